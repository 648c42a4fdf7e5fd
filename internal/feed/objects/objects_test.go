package objects

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sitrep/internal/event"
)

// TestShipped classifies records as CNVD's XML export, CVE records and NVD pages give them.
func TestShipped(t *testing.T) {
	rs := Shipped()
	tests := []struct {
		name string
		rec  Record
		want event.Object
	}{
		{"CNVD: a WordPress plugin", Record{Title: "WordPress插件Contact Form跨站脚本漏洞", Product: "WordPress Contact Form 7 <5.3.2"}, event.WebApplication},
		{"CNVD: a router", Record{Title: "Tenda AC18 堆栈缓冲区溢出漏洞", Product: "Tenda AC18 15.03.05.05"}, event.NetworkDevice},
		{"CNVD: a Chinese management system", Record{Title: "某某科技有限公司OA办公系统存在SQL注入漏洞"}, event.WebApplication},
		{"CNVD: ICS software by its vendor", Record{Title: "AVEVA InTouch命令注入漏洞", Product: "AVEVA InTouch  "}, event.SmartDevice},
		{"CNVD: a camera", Record{Title: "Hikvision摄像头存在命令执行漏洞"}, event.SmartDevice},
		{"a database", Record{Vendor: "Oracle", Product: "MySQL Server"}, event.Database},
		{"a firewall", Record{Vendor: "Fortinet", Product: "FortiOS"}, event.SecurityProduct},
		{"a VPN client before its vendor's devices", Record{Vendor: "Cisco", Product: "AnyConnect Secure Mobility Client"}, event.Application},
		{"Cisco IOS is a device's", Record{Vendor: "cisco", Product: "IOS XE Software"}, event.NetworkDevice},
		{"Apple iOS is a system", Record{Vendor: "Apple", Product: "iOS and iPadOS"}, event.OS},
		{"the kernel as its own CNA names it", Record{Vendor: "Linux", Product: "Linux"}, event.OS},
		{"the kernel by name", Record{Vendor: "Linux", Product: "Linux Kernel"}, event.OS},
		{"Office for Windows is an application", Record{Vendor: "Microsoft", Product: "Microsoft Office 2019 for Windows"}, event.Application},
		{"a CPE of an operating system", Record{CPEs: []string{"cpe:2.3:o:microsoft:windows_10_1809:*:*:*:*:*:*:x64:*"}}, event.OS},
		{"a CPE's vendor", Record{CPEs: []string{"cpe:2.3:o:juniper:junos:21.2:r1:*:*:*:*:*:*"}}, event.NetworkDevice},
		{"a plugin, by the software its CPE runs on", Record{Vendor: "myback.link", Product: "whitepage", CPEs: []string{"cpe:2.3:a:myback.link:whitepage:*:*:*:*:*:wordpress:*:*"}}, event.WebApplication},
		{"a CPE's product", Record{CPEs: []string{"cpe:2.3:a:wordpress:wordpress:6.4:*:*:*:*:*:*:*"}}, event.WebApplication},
		{"an application CPE", Record{CPEs: []string{"cpe:2.3:a:foo_corp:bar\\:baz:1.0:*:*:*:*:*:*:*"}}, event.Application},
		{"a CPE 2.2 URI", Record{CPEs: []string{"cpe:/h:acme:widget:1.0"}}, event.SmartDevice},
		{"words end a sentence", Record{Title: "A flaw in the router."}, event.NetworkDevice},
		{"a word inside another is not it", Record{Title: "Switchboard Pro"}, ""},
		{"nothing to go on", Record{Title: "某产品存在信息泄露漏洞"}, ""},
		// NVD's descriptions are titles whose words must not outweigh what the CPEs say.
		{"a kernel driver's firmware", Record{Title: "In the Linux kernel, the following vulnerability has been resolved: wifi: ath11k: fix firmware crash", CPEs: []string{"cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"}}, event.OS},
		{"a kernel's switch driver", Record{Title: "net: dsa: the switch may flood them", CPEs: []string{"cpe:2.3:o:linux:linux_kernel:6.1:*:*:*:*:*:*:*"}}, event.OS},
		{"Android's camera app", Record{Title: "In the camera app of Android, a missing check", CPEs: []string{"cpe:2.3:o:google:android:14.0:*:*:*:*:*:*:*"}}, event.OS},
		{"Windows' firewall service", Record{Title: "Windows Defender Firewall Service Elevation of Privilege Vulnerability", CPEs: []string{"cpe:2.3:o:microsoft:windows_10_1809:*:*:*:*:*:*:*:*"}}, event.OS},
		{"a library called a sandbox", Record{Title: "vm2 is a sandbox that can run untrusted code", CPEs: []string{"cpe:2.3:a:vm2_project:vm2:*:*:*:*:*:node.js:*:*"}}, event.Application},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rs.Classify(tc.rec); got != tc.want {
				t.Errorf("Classify(%+v) = %q, want %q", tc.rec, got, tc.want)
			}
		})
	}
}

// TestOperatorRules: an operator's rules come first; a bad table is refused with where.
func TestOperatorRules(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "objects.toml")
	os.WriteFile(path, []byte("[[rule]]\nclass = \"smart_device\"\nwords = [\"router\"]\nvendors = [\"acme\"]\n\n[[rule]]\nclass = \"database\"\nwords = [\"金仓数据\"]\n"), 0o600)
	rs, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rec  Record
		want event.Object
	}{
		{Record{Vendor: "ACME", Title: "ACME home router"}, event.SmartDevice},
		{Record{Vendor: "other", Title: "other router"}, event.NetworkDevice}, // the shipped rule
		{Record{Title: "金仓数据某组件存在漏洞"}, event.Database},
		{Record{Vendor: "Oracle", Product: "MySQL Server"}, event.Database},
	} {
		if got := rs.Classify(tc.rec); got != tc.want {
			t.Errorf("Classify(%+v) = %q, want %q", tc.rec, got, tc.want)
		}
	}
	for text, want := range map[string]string{
		"[[rule]]\nclass = \"gadget\"\nwords = [\"x\"]\n":              "rule 1: unknown class \"gadget\"",
		"[[rule]]\nclass = \"os\"\n":                                   "rule 1 (os) gives no vendors, words or cpe",
		"[[rule]]\nclass = \"os\"\nwords = [\" \"]\n":                  "rule 1 (os) has a list of nothing but blanks",
		"[[rule]]\nclass = \"os\"\nword = [\"x\"]\n":                   "unknown key rule.word",
		"[[rule]]\nclass = \"os\"\nwords = [\"x\"]\n[[rule]]\nclass=1": "objects.toml: toml:",
	} {
		os.WriteFile(path, []byte(text), 0o600)
		if _, err := Read(path); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("Read(%q) = %v, want an error naming the file and %q", text, err, want)
		}
	}
}
