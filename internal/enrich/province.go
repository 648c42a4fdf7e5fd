package enrich

import "strings"

// provinces lists China's provincial-level divisions by canonical Chinese name, each with the
// other names feeds use for it: the short name and the pinyin (as GeoIP regions spell them).
var provinces = [][]string{
	{"北京市", "北京", "beijing"}, {"天津市", "天津", "tianjin"}, {"上海市", "上海", "shanghai"},
	{"重庆市", "重庆", "chongqing"}, {"河北省", "河北", "hebei"}, {"山西省", "山西", "shanxi"},
	{"辽宁省", "辽宁", "liaoning"}, {"吉林省", "吉林", "jilin"}, {"黑龙江省", "黑龙江", "heilongjiang"},
	{"江苏省", "江苏", "jiangsu"}, {"浙江省", "浙江", "zhejiang"}, {"安徽省", "安徽", "anhui"},
	{"福建省", "福建", "fujian"}, {"江西省", "江西", "jiangxi"}, {"山东省", "山东", "shandong"},
	{"河南省", "河南", "henan"}, {"湖北省", "湖北", "hubei"}, {"湖南省", "湖南", "hunan"},
	{"广东省", "广东", "guangdong"}, {"海南省", "海南", "hainan"}, {"四川省", "四川", "sichuan"},
	{"贵州省", "贵州", "guizhou"}, {"云南省", "云南", "yunnan"}, {"陕西省", "陕西", "shaanxi"},
	{"甘肃省", "甘肃", "gansu"}, {"青海省", "青海", "qinghai"}, {"台湾省", "台湾", "taiwan"},
	{"内蒙古自治区", "内蒙古", "inner mongolia", "nei mongol", "neimenggu"},
	{"广西壮族自治区", "广西", "guangxi", "guangxi zhuangzu"},
	{"西藏自治区", "西藏", "tibet", "xizang"},
	{"宁夏回族自治区", "宁夏", "ningxia", "ningxia huizu"},
	{"新疆维吾尔自治区", "新疆", "xinjiang", "xinjiang uygur"},
	{"香港特别行政区", "香港", "hong kong"}, {"澳门特别行政区", "澳门", "macau", "macao"},
}

var provinceIndex = func() map[string]string {
	m := map[string]string{}
	for _, names := range provinces {
		for _, n := range names {
			m[n] = names[0]
		}
	}
	return m
}()

// Province returns the canonical Chinese name of a province written in any of the usual ways
// ("广东", "广东省", "Guangdong", "GUANGDONG SHENG"), and ok=false with the text trimmed when
// it is not one it knows, so nothing a feed says is dropped.
func Province(s string) (name string, ok bool) {
	t := strings.TrimSpace(s)
	if n, ok := provinceIndex[t]; ok {
		return n, true
	}
	k := strings.ToLower(t)
	for _, suffix := range []string{" sheng", " shi", " autonomous region", " zizhiqu", " province"} {
		k = strings.TrimSuffix(k, suffix)
	}
	if n, ok := provinceIndex[k]; ok {
		return n, true
	}
	return t, false
}

// ProvinceEnglish returns the English name of a province given by its canonical Chinese name
// ("广东省" gives "Guangdong"), or the name unchanged when it is not one it knows.
func ProvinceEnglish(name string) string {
	for _, names := range provinces {
		if names[0] == name {
			en := names[2]
			words := strings.Fields(en)
			for i, w := range words {
				words[i] = strings.ToUpper(w[:1]) + w[1:]
			}
			return strings.Join(words, " ")
		}
	}
	return name
}
