package web

// vocab names, in each language, the values the workspace's pages show that are a record's
// own words: states, types, kinds, roles, jobs' states, history's actions, audit actions.
var vocab = map[string]map[string]string{
	"zh": {
		// ticket states
		"new": "新登记", "triaged": "已受理", "coordinating": "协调中", "resolved": "已处置", "closed": "已关闭", "rejected": "不予处理", "duplicate": "重复",
		"new,triaged,coordinating": "未结（新登记、已受理、协调中）",
		// incident types and event kinds
		"phishing": "网页仿冒", "mobile_malware": "移动互联网恶意程序", "malware": "恶意程序", "defacement": "网页篡改", "backdoor": "网站后门",
		"vulnerability": "安全漏洞", "ddos": "拒绝服务攻击", "other": "其他",
		"infected_host": "感染主机", "malware_site": "放马站点",
		// partner kinds
		"telecom": "基础电信企业", "cloud": "云服务商", "registrar": "域名注册服务机构", "app_store": "应用商店", "branch": "分中心", "international": "境外组织",
		// roles
		"viewer": "查看员", "analyst": "分析员", "editor": "编辑", "publisher": "签发人", "admin": "管理员",
		// jobs
		"queued": "排队中", "running": "处理中", "done": "已完成", "failed": "失败",
		// history
		"open": "登记", "assign": "交办", "note": "说明", "notify": "通知", "relabel": "更改标签", "transition": "状态变更",
		// audit
		"session.login": "登录", "session.login.fail": "登录失败", "session.logout": "退出", "account.add": "新建账号", "account.change": "修改账号",
		"account.disable": "停用账号", "account.logout": "注销会话", "bulletin.review": "审核", "bulletin.publish": "发布", "bulletin.correct": "发布更正",
		"rating.override": "调整评价", "rating.override.withdraw": "撤销评价调整", "token.create": "创建令牌", "token.revoke": "吊销令牌",
		"ticket.relabel": "更改工单标签", "ingest": "导入数据",
		// what a ticket is linked to
		"url": "网址", "domain": "域名", "ip": "IP地址",
	},
	"en": {
		"new": "new", "triaged": "triaged", "coordinating": "coordinating", "resolved": "resolved", "closed": "closed", "rejected": "rejected", "duplicate": "duplicate",
		"new,triaged,coordinating": "open (new, triaged, coordinating)",
		"phishing":                 "phishing", "mobile_malware": "mobile malware", "malware": "malware", "defacement": "defacement", "backdoor": "backdoor",
		"vulnerability": "vulnerability", "ddos": "denial of service", "other": "other",
		"infected_host": "infected host", "malware_site": "malware site",
		"telecom": "telecom operator", "cloud": "cloud provider", "registrar": "registrar", "app_store": "app store", "branch": "branch", "international": "international partner",
		"viewer": "viewer", "analyst": "analyst", "editor": "editor", "publisher": "publisher", "admin": "administrator",
		"queued": "queued", "running": "running", "done": "done", "failed": "failed",
		"open": "opened", "assign": "assigned", "note": "note", "notify": "notified", "relabel": "relabelled", "transition": "moved",
		"session.login": "login", "session.login.fail": "failed login", "session.logout": "logout", "account.add": "account added", "account.change": "account changed",
		"account.disable": "account disabled", "account.logout": "sessions ended", "bulletin.review": "review", "bulletin.publish": "publication", "bulletin.correct": "correction",
		"rating.override": "rating override", "rating.override.withdraw": "override withdrawn", "token.create": "token created", "token.revoke": "token revoked",
		"ticket.relabel": "ticket relabelled", "ingest": "upload",
		"url": "URL", "domain": "domain", "ip": "IP address",
	},
}

// label is a value's name in a language, or the value where it has none.
func label(lang, v string) string {
	if n := vocab[lang][v]; n != "" {
		return n
	}
	return v
}
