-- The counts of `sitrep stats` for one week and the week before, as the SQLite shell runs them
-- over the same CSV: the yardstick of bench/ingest.sh. :from/:to and :pfrom/:pto are replaced
-- by local times before running.
.mode list
WITH ev AS (
	SELECT *, coalesce(nullif(url, ''), domain) AS site, lower(family) = 'conficker' AS conficker,
		CASE WHEN time >= ':from' AND time < ':to' THEN 'cur' ELSE 'prev' END AS wk
	FROM events WHERE (time >= ':from' AND time < ':to') OR (time >= ':pfrom' AND time < ':pto')
),
mal_domains AS (
	SELECT wk, domain, max(registrant_country <> '' AND registrant_country <> 'CN') AS abroad
	FROM ev WHERE kind = 'malware_site' AND domain <> '' GROUP BY wk, domain
),
mal_ips AS (
	SELECT wk, ip, max(country <> '' AND country <> 'CN') AS abroad
	FROM ev WHERE kind = 'malware_site' AND ip <> '' GROUP BY wk, ip
)
SELECT wk,
	count(DISTINCT ip) FILTER (WHERE kind = 'infected_host' AND country = 'CN' AND NOT conficker),
	count(DISTINCT ip) FILTER (WHERE kind = 'infected_host' AND country = 'CN' AND conficker),
	(SELECT count(*) FROM mal_domains m WHERE m.wk = ev.wk),
	(SELECT count(*) FILTER (WHERE abroad) FROM mal_domains m WHERE m.wk = ev.wk),
	(SELECT count(*) FILTER (WHERE domain LIKE '%.com') FROM mal_domains m WHERE m.wk = ev.wk),
	(SELECT count(*) FROM mal_ips m WHERE m.wk = ev.wk),
	(SELECT count(*) FILTER (WHERE abroad) FROM mal_ips m WHERE m.wk = ev.wk),
	count(DISTINCT site) FILTER (WHERE kind = 'defacement' AND country = 'CN'),
	count(DISTINCT site) FILTER (WHERE kind = 'defacement' AND country = 'CN' AND site LIKE '%.gov.cn/%'),
	count(DISTINCT site) FILTER (WHERE kind = 'backdoor' AND country = 'CN'),
	count(DISTINCT site) FILTER (WHERE kind = 'backdoor' AND country = 'CN' AND site LIKE '%.gov.cn/%'),
	count(DISTINCT url) FILTER (WHERE kind = 'phishing'),
	count(DISTINCT url) FILTER (WHERE kind = 'phishing' AND ip <> ''),
	count(DISTINCT domain) FILTER (WHERE kind = 'phishing'),
	count(DISTINCT ip) FILTER (WHERE kind = 'phishing'),
	count(*) FILTER (WHERE kind = 'ddos'),
	count(DISTINCT ip) FILTER (WHERE kind = 'ddos'),
	count(*)
FROM ev GROUP BY wk;
SELECT province, count(DISTINCT ip) AS hosts FROM events
WHERE time >= ':from' AND time < ':to' AND kind = 'infected_host' AND country = 'CN' AND lower(family) <> 'conficker'
GROUP BY province ORDER BY hosts DESC LIMIT 10;
