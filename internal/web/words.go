package web

// pageWords are the workspace's words in one language.
type pageWords struct {
	Lang, OtherLang, Skip, Menu                                          string
	Home, Incidents, Ingest, Feeds, Trends, Audit, Site, Logout          string
	Login, Name, Password, LoginButton, PleaseLogin, BadLogin            string
	LoginExpired, TooMany, Forbidden, Back                               string
	Period, Dates, Status, Published, Reviewed, Draft, NotReviewed       string
	ReviewCurrent, ReviewStale, Open, Go, GoTo, Weeks, Months            string
	OpenTickets, Overdue, Numbers, Metric, Value, Rating, Computed       string
	Reasons, Override, Level, Reason, Withdraw, SetOverride              string
	Review, ReviewNote, Publish, Warnings, NoWarnings, Preview           string
	OpenBulletin, Records, Match, Sort, Filter, Export, Total            string
	Matching, FirstSeen, LastSeen, Events, Country, Province, Target     string
	Family, TLP, Prev, Next, NoItems, Showing, State, Type, Partner      string
	Deadline, Closed, Opened, Any, OnlyOverdue, ClosedIn, ID             string
	Links, History, Actor, Action, Note, At, From, To, AddNote           string
	Assign, Label, Notify, NoticePreview, SendNotice, DuplicateOf        string
	OpenFromEvents, Kind, Upload, File, Format, Source, Auto             string
	Jobs, Job, Running, Summary, Read, Stored, Duplicate, Rejected       string
	SetAside, Line, Field, Raw, Feed, Every, LastRun, NextRun            string
	LastError, Result, NoFeeds, Subject, Detail, Since, Until            string
	Entries, Trend12, Trend52, NotRated, None, Role, Sessions            string
	NoPartners                                                           string
	Revisions, Correct, CorrectWhy, CorrectNote, ReviewCorrection        string
	Accounts, Disabled, EndSessions, Disable, SetAccount, AccountNote    string
	NotOver, NoData, ChangedNote, ReviewedNote, Live, OpenFirst, Tickets string
	RejectWhy, NoHistory                                                 string
	DataSince                                                            string
	Item                                                                 string
	BadRequest, Forbidden403, NotFound, Refused, ZoneNote, FirstOnly     string
	Sorts                                                                map[string]string
	Verbs                                                                map[string]string
	Done                                                                 map[string]string
	Metrics                                                              map[string]string
}

var workWords = map[string]pageWords{
	"zh": {
		Lang: "zh", OtherLang: "English", Skip: "跳到正文", Menu: "工作台",
		Home: "工作台", Incidents: "事件处置", Ingest: "数据导入", Feeds: "数据源", Trends: "趋势", Audit: "审计日志", Site: "公开站点", Logout: "退出",
		Login: "登录", Name: "用户名", Password: "密码", LoginButton: "登录", PleaseLogin: "请先登录。", BadLogin: "用户名或密码不正确。",
		LoginExpired: "登录表单已过期，请重新提交。", TooMany: "登录失败次数过多，请 %d 分钟后再试。", Forbidden: "角色 {role} 无权进行此操作，需要 {need} 或以上角色。", Back: "返回",
		Period: "期次", Dates: "日期", Status: "状态", Published: "已发布", Reviewed: "已审核", Draft: "草稿", NotReviewed: "尚未审核",
		ReviewCurrent: "审核后数据未变", ReviewStale: "审核后数据已变化，需重新审核", Open: "打开", Go: "前往", GoTo: "打开期次（如 2024-W09、2024-02）", Weeks: "周报", Months: "月度分析",
		OpenTickets: "未结事件", Overdue: "已超期", Numbers: "本期数字", Metric: "指标", Value: "数值", Rating: "态势评价", Computed: "计算结果",
		Reasons: "评价依据", Override: "人工调整评价", Level: "等级", Reason: "理由", Withdraw: "（撤销调整）", SetOverride: "保存评价",
		Review: "审核通过", ReviewNote: "审核意见", Publish: "发布", Warnings: "编辑提示", NoWarnings: "没有需要注意的地方。", Preview: "发布预览",
		OpenBulletin: "在新页面打开", Records: "明细", Match: "包含", Sort: "排序", Filter: "筛选", Export: "导出", Total: "总数",
		Matching: "符合条件", FirstSeen: "首次发现", LastSeen: "最近发现", Events: "事件数", Country: "国家/地区", Province: "省份", Target: "仿冒对象",
		Family: "家族", TLP: "TLP", Prev: "上一页", Next: "下一页", NoItems: "没有记录。", Showing: "第 %d–%d 条，共 %d 条", State: "状态", Type: "类型", Partner: "协调单位",
		Deadline: "处置期限", Closed: "关闭时间", Opened: "登记时间", Any: "全部", OnlyOverdue: "仅超期", ClosedIn: "关闭于（期次）", ID: "编号",
		Links: "关联对象", History: "处置记录", Actor: "操作人", Action: "操作", Note: "说明", At: "时间", From: "来源地址", To: "至", AddNote: "添加说明",
		Assign: "交由协调单位处置", Label: "更改 TLP 标签", Notify: "通知", NoticePreview: "通知邮件预览", SendNotice: "发送通知", DuplicateOf: "重复于（编号）",
		OpenFromEvents: "从本期事件登记工单", Kind: "事件种类", Upload: "上传", File: "文件", Format: "格式", Source: "来源", Auto: "自动识别",
		Jobs: "我的导入任务", Job: "导入任务", Running: "正在处理，页面会自动刷新。", Summary: "结果", Read: "读取", Stored: "入库", Duplicate: "重复", Rejected: "拒收",
		SetAside: "拒收的行及原因", Line: "行", Field: "字段", Raw: "原文", Feed: "数据源", Every: "周期", LastRun: "上次采集", NextRun: "下次采集",
		LastError: "上次错误", Result: "结果", NoFeeds: "本服务未配置采集（sitrep serve --collect FILE）。", Subject: "对象", Detail: "详情", Since: "起", Until: "止",
		Entries: "条记录", Trend12: "近12周", Trend52: "近52周", NotRated: "未评价", None: "无", Role: "角色", Sessions: "会话",
		Accounts: "账号", Disabled: "停用时间", EndSessions: "注销其会话", Disable: "停用", SetAccount: "新建账号或重设角色与密码",
		AccountNote: "密码至少12个字符，以 bcrypt 散列保存。重设密码即注销该账号所有已登录的会话；只改角色时会话立即按新角色生效。",
		NotOver:     "本期尚未结束，不能审核或发布。", NoData: "本期没有任何记录，不作评价。", ReviewedNote: "审核意见",
		ChangedNote: "本期已发布：下列为发布时的数字；括号内为按当前数据的数字，明细按当前数据列出。如需更正，请编辑审核更正稿后由签发人发布更正。",
		Live:        "当前", OpenFirst: "先从本期事件登记工单", Tickets: "登记工单",
		BadRequest: "请求有误", Forbidden403: "无权访问", NotFound: "未找到", Refused: "未能完成", ZoneNote: "本页时间为 %s 时间。",
		FirstOnly: "仅列出前 %d 条，请缩小筛选范围。",
		RejectWhy: "不予处理的理由", NoHistory: "这是导入的事件记录，没有处置记录。",
		Item:       "对象",
		DataSince:  "数据仅覆盖最近 %d 周，此前各周不列出。",
		NoPartners: "协调单位名录为空（sitrep incident partner）。",
		Revisions:  "已发布的版本", Correct: "发布更正", CorrectWhy: "更正原因", ReviewCorrection: "审核更正稿",
		CorrectNote: "更正按当前数据重新生成本期全部格式，作为新版本发布，并注明更正日期和原因；此前各版本保持原样。发布前须由编辑审核更正稿。",
		Sorts: map[string]string{"value": "按数值", "-value": "按数值（倒序）", "first_seen": "首次发现最早", "-first_seen": "首次发现最晚",
			"last_seen": "最近发现最早", "-last_seen": "最近发现最晚", "events": "事件数最少", "-events": "事件数最多"},
		Verbs: map[string]string{"triage": "受理", "resolve": "标记为已处置", "close": "关闭", "reopen": "开始协调", "reopen:resolved": "重新协调", "reject": "不予处理"},
		Done:  map[string]string{"review": "已记录审核。", "publish": "已发布。", "rating": "已保存评价。", "ticket": "已更新工单。", "opened": "已登记 {n} 个工单；{skipped} 个网址已有工单，未重复登记。", "notify": "通知已发送。", "correct": "已发布更正。", "account": "已更新账号。"},
		Metrics: map[string]string{
			"infected_hosts.trojan_botnet": "境内感染木马或僵尸程序的主机", "infected_hosts.conficker": "境内感染飞客蠕虫的主机",
			"malware_sites.domains": "放马站点域名", "malware_sites.domains_abroad": "其中境外注册的域名", "malware_sites.domains_com": "其中 .com 域名",
			"malware_sites.ips": "放马站点 IP", "malware_sites.ips_abroad": "其中境外 IP", "malware_sites.ip_urls": "以 IP 直接访问的放马站点",
			"defaced.total": "境内被篡改网站", "defaced.gov": "其中政府网站", "backdoored.total": "境内被植入后门网站", "backdoored.gov": "其中政府网站",
			"phishing.pages": "仿冒页面", "phishing.domains": "仿冒页面域名", "phishing.ips": "仿冒页面 IP", "ddos.events": "拒绝服务攻击事件", "ddos.targets": "被攻击地址",
			"beyond_bulletin.brute_force_sources": "暴力破解来源", "beyond_bulletin.scanners": "扫描来源", "beyond_bulletin.amplification_victims": "反射放大受害地址",
			"beyond_bulletin.vulnerable_hosts": "存在漏洞的服务主机", "beyond_bulletin.botnet_cc_servers": "僵尸网络控制服务器", "beyond_bulletin.exposed_devices": "暴露的设备",
			"beyond_bulletin.blocklisted_addresses": "列入黑名单的地址", "beyond_bulletin.malware_contacted_servers": "恶意代码连接的服务器",
			"vulnerabilities.high": "高危漏洞", "incidents.handled": "协调处置的事件",
		},
	},
	"en": {
		Lang: "en", OtherLang: "中文", Skip: "Skip to content", Menu: "Workspace",
		Home: "Workspace", Incidents: "Incidents", Ingest: "Ingest", Feeds: "Feeds", Trends: "Trends", Audit: "Audit log", Site: "Public site", Logout: "Log out",
		Login: "Log in", Name: "Name", Password: "Password", LoginButton: "Log in", PleaseLogin: "Please log in.", BadLogin: "The name or the password is wrong.",
		LoginExpired: "The login form expired; please send it again.", TooMany: "Too many failed logins; try again in %d minutes.", Forbidden: "The role {role} may not do this; it needs {need} or above.", Back: "Back",
		Period: "Issue", Dates: "Dates", Status: "Status", Published: "Published", Reviewed: "Reviewed", Draft: "Draft", NotReviewed: "Not reviewed",
		ReviewCurrent: "the data have not changed since", ReviewStale: "the data changed since: review again", Open: "Open", Go: "Go", GoTo: "Open an issue (2024-W09, 2024-02)", Weeks: "Weekly", Months: "Monthly",
		OpenTickets: "Open incidents", Overdue: "Overdue", Numbers: "The numbers", Metric: "Count", Value: "Value", Rating: "Rating", Computed: "computed",
		Reasons: "Why", Override: "Override the rating", Level: "Level", Reason: "Reason", Withdraw: "(withdraw the override)", SetOverride: "Save the rating",
		Review: "Approve", ReviewNote: "Review note", Publish: "Publish", Warnings: "Editor's warnings", NoWarnings: "Nothing to look at.", Preview: "As it will be published",
		OpenBulletin: "Open in a page of its own", Records: "Records", Match: "Containing", Sort: "Order", Filter: "Filter", Export: "Export", Total: "Total",
		Matching: "Matching", FirstSeen: "First seen", LastSeen: "Last seen", Events: "Events", Country: "Country", Province: "Province", Target: "Impersonated",
		Family: "Family", TLP: "TLP", Prev: "Previous", Next: "Next", NoItems: "No records.", Showing: "%d–%d of %d", State: "State", Type: "Type", Partner: "Partner",
		Deadline: "Due", Closed: "Closed", Opened: "Opened", Any: "Any", OnlyOverdue: "Overdue only", ClosedIn: "Closed in (issue)", ID: "ID",
		Links: "Linked", History: "History", Actor: "By", Action: "Action", Note: "Note", At: "At", From: "From", To: "To", AddNote: "Add a note",
		Assign: "Hand to a partner", Label: "Change the TLP label", Notify: "Notify", NoticePreview: "The notice as it will be sent", SendNotice: "Send the notice", DuplicateOf: "Duplicate of (ID)",
		OpenFromEvents: "Open tickets from a week's events", Kind: "Kind", Upload: "Upload", File: "File", Format: "Format", Source: "Source", Auto: "recognise",
		Jobs: "My uploads", Job: "Upload", Running: "Still working; this page refreshes itself.", Summary: "Result", Read: "Read", Stored: "Stored", Duplicate: "Duplicate", Rejected: "Rejected",
		SetAside: "Rows set aside, and why", Line: "Line", Field: "Field", Raw: "Row", Feed: "Feed", Every: "Every", LastRun: "Last run", NextRun: "Next run",
		LastError: "Last error", Result: "Result", NoFeeds: "This server collects no feeds (sitrep serve --collect FILE).", Subject: "Subject", Detail: "Detail", Since: "Since", Until: "Until",
		Entries: "entries", Trend12: "12 weeks", Trend52: "52 weeks", NotRated: "not rated", None: "none", Role: "Role", Sessions: "Sessions",
		Accounts: "Accounts", Disabled: "Disabled", EndSessions: "End its sessions", Disable: "Disable", SetAccount: "Add an account, or set one's role and password",
		AccountNote: "Passwords have at least 12 characters and are kept as bcrypt hashes. Setting a password ends the account's sessions; a new role holds at once for them.",
		NotOver:     "The period has not ended: it cannot be reviewed or published yet.", NoData: "Nothing was recorded for this issue; it is not rated.", ReviewedNote: "Review note",
		ChangedNote: "This issue is published: the numbers below are as published, with the data's numbers now in brackets where they differ; the records are the data's now. To correct it, an editor approves the correction and a publisher publishes it.",
		Live:        "now", OpenFirst: "Open tickets from a week's events", Tickets: "Open tickets",
		BadRequest: "Bad request", Forbidden403: "Not allowed", NotFound: "Not found", Refused: "Not done", ZoneNote: "Times on this page are %s time.",
		FirstOnly: "Only the first %d are listed: narrow the filters.",
		RejectWhy: "Why it is rejected", NoHistory: "An imported incident record: it has no history here.",
		Item:       "Indicator",
		DataSince:  "The data cover only the latest %d weeks; the weeks before are not listed.",
		NoPartners: "The partner directory is empty (sitrep incident partner).",
		Revisions:  "Published revisions", Correct: "Publish a correction", CorrectWhy: "Why", ReviewCorrection: "Approve the correction",
		CorrectNote: "A correction renders the issue again from the data as they are now, in every format, as a new revision that says when and why; the earlier revisions stay as they were. An editor approves the correction first.",
		Sorts: map[string]string{"value": "by value", "-value": "by value, descending", "first_seen": "first seen earliest", "-first_seen": "first seen latest",
			"last_seen": "last seen earliest", "-last_seen": "last seen latest", "events": "fewest events", "-events": "most events"},
		Verbs: map[string]string{"triage": "Triage", "resolve": "Mark resolved", "close": "Close", "reopen": "Start coordinating", "reopen:resolved": "Coordinate again", "reject": "Reject"},
		Done:  map[string]string{"review": "The review is recorded.", "publish": "Published.", "rating": "The rating is saved.", "ticket": "The ticket is changed.", "opened": "{n} tickets opened; {skipped} addresses already had one and were left alone.", "notify": "The notice was sent.", "correct": "The correction is published.", "account": "The account is changed."},
		Metrics: map[string]string{
			"infected_hosts.trojan_botnet": "Hosts with trojans or bots", "infected_hosts.conficker": "Hosts with Conficker",
			"malware_sites.domains": "Malware-hosting domains", "malware_sites.domains_abroad": "of them registered abroad", "malware_sites.domains_com": "of them .com",
			"malware_sites.ips": "Malware-hosting IPs", "malware_sites.ips_abroad": "of them abroad", "malware_sites.ip_urls": "Malware sites reached by IP",
			"defaced.total": "Defaced websites", "defaced.gov": "of them government", "backdoored.total": "Backdoored websites", "backdoored.gov": "of them government",
			"phishing.pages": "Phishing pages", "phishing.domains": "Phishing domains", "phishing.ips": "Phishing IPs", "ddos.events": "DDoS events", "ddos.targets": "DDoS targets",
			"beyond_bulletin.brute_force_sources": "Brute-force sources", "beyond_bulletin.scanners": "Scanners", "beyond_bulletin.amplification_victims": "Amplification victims",
			"beyond_bulletin.vulnerable_hosts": "Vulnerable service hosts", "beyond_bulletin.botnet_cc_servers": "Botnet C&C servers", "beyond_bulletin.exposed_devices": "Exposed devices",
			"beyond_bulletin.blocklisted_addresses": "Blocklisted addresses", "beyond_bulletin.malware_contacted_servers": "Servers malware contacted",
			"vulnerabilities.high": "High-severity vulnerabilities", "incidents.handled": "Incidents handled",
		},
	},
}
