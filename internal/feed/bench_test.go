package feed_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"sitrep/internal/enrich"
	"sitrep/internal/feed"
	"sitrep/internal/feed/native"
	"sitrep/internal/tabular"
)

// benchRows makes n rows of the sinkhole report and the same events in sitrep's own format.
func benchRows(n int) (sinkhole, own []byte) {
	var s, o strings.Builder
	s.WriteString(`"timestamp","protocol","src_ip","src_port","src_asn","src_geo","src_region","src_city","src_hostname","src_naics","src_sector","device_vendor","device_type","device_model","dst_ip","dst_port","dst_asn","dst_geo","dst_region","dst_city","dst_hostname","dst_naics","dst_sector","public_source","infection","family","tag","application","version","event_id"` + "\n")
	o.WriteString("time,kind,ip,country,province,asn,family,source,id\n")
	for i := range n {
		ip := fmt.Sprintf("36.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		fmt.Fprintf(&s, `"2024-02-27 01:%02d:%02d","tcp","%s",%d,4134,"CN","GUANGDONG SHENG","GUANGZHOU",,,,,,,"178.162.1.2",4455,28753,"DE","HESSEN","FRANKFURT AM MAIN",,518210,"Communications","eset","mirai","mirai",,,,"ev-%d"`+"\n",
			i/60%60, i%60, ip, 40000+i%20000, i)
		fmt.Fprintf(&o, "2024-02-27T01:%02d:%02dZ,infected_host,%s,CN,GUANGDONG SHENG,4134,mirai,shadowserver,ev-%d\n", i/60%60, i%60, ip, i)
	}
	return []byte(s.String()), []byte(o.String())
}

// parseAll reads every row of a table as events, through a feed's mapping where fd is set.
func parseAll(b *testing.B, in []byte, name string, mapped bool) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	cfg := native.Config{Zone: sh, GovSuffixes: enrich.DefaultGovSuffixes, Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	c, err := tabular.NewCSV(bytes.NewReader(in))
	if err != nil {
		b.Fatal(err)
	}
	var rows tabular.Reader = c
	if mapped {
		fd, report, err := feed.Match(name, c.Header())
		if err != nil || fd == nil {
			b.Fatal(err)
		}
		c.PadShortRows = true
		rows = feed.Reader(c, fd, report)
	}
	p := native.NewEventParser(cfg)
	n := 0
	for {
		row, err := rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if _, re := p.Parse(row); re != nil {
			b.Fatal(re)
		}
		n++
	}
	if n == 0 {
		b.Fatal("no rows")
	}
}

// BenchmarkSinkhole reads Shadowserver's sinkhole report (30 columns a row) through its
// mapping; BenchmarkOwnCSV the same events in sitrep's own CSV. The bar: the first at
// no less than half the rate of the second, in rows a second (bench/feeds.sh).
func BenchmarkSinkhole(b *testing.B) {
	in, _ := benchRows(20000)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		parseAll(b, in, "2024-02-27-event4_sinkhole-asn-cn.csv", true)
	}
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkOwnCSV(b *testing.B) {
	_, in := benchRows(20000)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		parseAll(b, in, "events.csv", false)
	}
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
