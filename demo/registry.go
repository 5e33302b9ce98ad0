package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"spotcheck/config"
	"spotcheck/sampling"
)

// registryStream selects the PCG stream of Registry, so that a registry and
// a simulator made from the same seed draw unrelated numbers.
const registryStream = 0x5350_4f54_5245_4731 // "SPOTREG1"

// county is a county-level division of the demo city.
type county struct {
	name     string // as it appears in Unit.County
	division string // administrative division code, characters 3–8 of a credit code
	prefix   string // how the names of enterprises registered there begin
}

// counties are Suzhou's ten county-level divisions. Read only.
var counties = [...]county{
	{"姑苏区", "320508", "苏州市姑苏区"},
	{"虎丘区", "320505", "苏州市虎丘区"},
	{"吴中区", "320506", "苏州市吴中区"},
	{"相城区", "320507", "苏州市相城区"},
	{"吴江区", "320509", "苏州市吴江区"},
	{"常熟市", "320581", "常熟市"},
	{"张家港市", "320582", "张家港市"},
	{"昆山市", "320583", "昆山市"},
	{"太仓市", "320585", "太仓市"},
	{"苏州工业园区", "320571", "苏州工业园区"},
}

// enterpriseCounts is how many enterprises each demo industry has, 3,000 in
// all, weighted towards Suzhou's textile and electrical makers. Read only.
var enterpriseCounts = map[string]int{
	"textiles":     840,
	"chemicals":    420,
	"food-related": 480,
	"electrical":   720,
	"agri-inputs":  540,
}

// tradeWords are what an enterprise name says it makes, by category: the
// part between the trade name and 有限公司. Read only.
var tradeWords = map[string][]string{
	"garments":             {"服饰", "制衣", "服装", "针织"},
	"childrens-garments":   {"童装", "儿童用品", "服饰"},
	"coatings":             {"涂料", "化工", "新材料"},
	"hazardous-chemicals":  {"化工", "化学", "精细化工"},
	"food-packaging":       {"包装", "塑料制品", "包装材料"},
	"food-machinery":       {"食品机械", "机械", "机械设备"},
	"wires-cables":         {"电缆", "线缆", "电线电缆"},
	"household-appliances": {"电器", "电气", "家电"},
	"pesticides":           {"农化", "植保", "生物科技"},
	"fertilizers":          {"肥业", "农业科技", "复合肥"},
	"veterinary-drugs":     {"动物药业", "兽药", "生物制品"},
}

// tradeSyllables make up trade names (字号), two at a time.
const tradeSyllables = "恒瑞华鑫盛丰源达诚信宏泰嘉隆兴德金新永祥通宇天海明安康润博创锦益佳和昌荣远凯力邦"

// surnames, with givenNames, make up inspectors' names; they lean towards
// those common in Suzhou.
const surnames = "王李张刘陈杨黄赵吴周徐孙朱胡沈顾陆钱蒋姚邵潘范金"

// givenNames are common given names of one or two characters. Read only.
var givenNames = [...]string{
	"伟", "芳", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "俊", "婷", "斌",
	"秀英", "建华", "志强", "晓东", "雪梅", "丽华", "海燕", "国平", "文斌", "卫东", "佳怡", "子涵",
}

// The size and mix of the registry beyond the tables above.
const (
	inspectorCount   = 40
	twoCategoryShare = 0.2 // enterprises that make products of two categories
	recusingShare    = 0.2 // inspectors with a recusal or two
	newOrgCodeShare  = 0.4 // organisation codes of the post-2015 "MA" form
)

// Registry returns the demo registry generated deterministically from seed:
// about 3,600 units (enterprise × category) of 3,000 enterprises in Suzhou's
// ten counties, and 40 inspectors I001–I040. Every unit's industry and
// category are in Config, every credit code is a valid GB 32100-2015 code, and
// each industry has at least eight qualified inspectors. The same seed gives
// the same registry, in the same order.
func Registry(seed uint64) ([]sampling.Unit, []sampling.Inspector) {
	r := rand.New(rand.NewPCG(seed, registryStream))
	industries := Config().Industries
	units := generateUnits(r, industries)
	return units, generateInspectors(r, industries, units)
}

// generateUnits makes the enterprises of each industry in turn; an
// enterprise's units are adjacent and share its code, name, county and risk.
func generateUnits(r *rand.Rand, industries []config.Industry) []sampling.Unit {
	codes := map[string]bool{}
	names := map[string]bool{}
	var units []sampling.Unit
	for _, ind := range industries {
		for range enterpriseCounts[ind.ID] {
			c := counties[r.IntN(len(counties))]
			cats := pickCategories(r, ind.Categories)
			code := unique(codes, func() string { return creditCode(r, c.division) })
			name := unique(names, func() string { return enterpriseName(r, c.prefix, cats[0]) })
			risk := riskClass(r)
			for _, cat := range cats {
				units = append(units, sampling.Unit{
					CreditCode: code,
					Enterprise: name,
					County:     c.name,
					Industry:   ind.ID,
					Category:   cat,
					Risk:       risk,
				})
			}
		}
	}
	return units
}

// unique calls gen until it returns a value not in seen, and adds it.
func unique(seen map[string]bool, gen func() string) string {
	for {
		if v := gen(); !seen[v] {
			seen[v] = true
			return v
		}
	}
}

// pickCategories returns one category of the industry, or sometimes two, in
// the industry's order.
func pickCategories(r *rand.Rand, cats []config.Category) []string {
	if len(cats) < 2 || r.Float64() >= twoCategoryShare {
		return []string{cats[r.IntN(len(cats))].ID}
	}
	p := r.Perm(len(cats))[:2]
	slices.Sort(p)
	return []string{cats[p[0]].ID, cats[p[1]].ID}
}

// riskClass draws a credit-risk class: A 30%, B 45%, C 20%, D 5%.
func riskClass(r *rand.Rand) string {
	switch x := r.IntN(100); {
	case x < 30:
		return "A"
	case x < 75:
		return "B"
	case x < 95:
		return "C"
	default:
		return "D"
	}
}

// enterpriseName makes a name the usual way: place, trade name, what the
// enterprise makes, legal form; for example 昆山市瑞丰电缆有限公司.
func enterpriseName(r *rand.Rand, prefix, category string) string {
	syllables := []rune(tradeSyllables)
	first, second := r.IntN(len(syllables)), r.IntN(len(syllables)-1)
	if second >= first {
		second++ // two different syllables
	}
	words := tradeWords[category]
	trade := "实业"
	if len(words) > 0 {
		trade = words[r.IntN(len(words))]
	}
	return prefix + string(syllables[first]) + string(syllables[second]) + trade + "有限公司"
}

// creditCode makes a Unified Social Credit Code of an enterprise registered
// with the market regulator ("91") in division: the registration office,
// a nine-character organisation code with its own GB 11714 check character,
// and the GB 32100 check character.
func creditCode(r *rand.Rand, division string) string {
	org := orgCodeBody(r)
	first17 := "91" + division + org + string(orgCodeCheck(org))
	// Every character comes from the credit code alphabet, so this cannot fail.
	check, _ := sampling.CreditCodeCheck(first17)
	return first17 + string(check)
}

// creditCodeChars is the alphabet of GB 32100-2015, as in sampling.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// orgCodeBody returns the eight leading characters of an organisation code:
// eight digits, or "MA" and six characters for codes issued since 2015.
func orgCodeBody(r *rand.Rand) string {
	var b strings.Builder
	alphabet, n := creditCodeChars[:10], 8
	if r.Float64() < newOrgCodeShare {
		b.WriteString("MA")
		alphabet, n = creditCodeChars, 6
	}
	for range n {
		b.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// orgCodeCheck returns the check character of an organisation code body by
// GB 11714-1997: weights 3 7 9 10 5 8 4 2, letters valued from A = 10,
// check 11 − sum mod 11, written X for 10 and 0 for 11.
func orgCodeCheck(body string) byte {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 8 {
		v := int(body[i] - '0')
		if body[i] >= 'A' {
			v = int(body[i]-'A') + 10
		}
		sum += v * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// generateInspectors makes the inspectors: four in each county, each
// qualified for two or three industries, a few with recusals.
func generateInspectors(r *rand.Rand, industries []config.Industry, units []sampling.Unit) []sampling.Inspector {
	names := map[string]bool{}
	inspectors := make([]sampling.Inspector, inspectorCount)
	for i := range inspectors {
		c := counties[i%len(counties)]
		// Every industry is the speciality of inspectorCount/len(industries)
		// inspectors; the shift by i/len(counties) gives the inspectors of
		// one county different specialities.
		speciality := (i + i/len(counties)) % len(industries)
		quals := qualifications(r, industries, speciality)
		inspectors[i] = sampling.Inspector{
			ID:         fmt.Sprintf("I%03d", i+1),
			Name:       unique(names, func() string { return personName(r) }),
			County:     c.name,
			Industries: quals,
		}
		if r.Float64() < recusingShare {
			inspectors[i].Recusals = recusals(r, c.name, quals, units)
		}
	}
	return inspectors
}

// qualifications returns the inspector's speciality and one or two other
// industries, in the order of industries.
func qualifications(r *rand.Rand, industries []config.Industry, speciality int) []string {
	chosen := make([]bool, len(industries))
	chosen[speciality] = true
	more := 1 + r.IntN(2)
	for _, j := range r.Perm(len(industries)) {
		if more > 0 && !chosen[j] {
			chosen[j] = true
			more--
		}
	}
	var ids []string
	for j, ind := range industries {
		if chosen[j] {
			ids = append(ids, ind.ID)
		}
	}
	return ids
}

// recusals returns the credit codes of one or two enterprises in the
// inspector's county and industries: a relative works there, say.
func recusals(r *rand.Rand, county string, industries []string, units []sampling.Unit) []string {
	var candidates []string
	seen := map[string]bool{}
	for _, u := range units {
		if u.County == county && slices.Contains(industries, u.Industry) && !seen[u.CreditCode] {
			seen[u.CreditCode] = true
			candidates = append(candidates, u.CreditCode)
		}
	}
	n := min(1+r.IntN(2), len(candidates))
	codes := make([]string, n)
	for i, j := range r.Perm(len(candidates))[:n] {
		codes[i] = candidates[j]
	}
	return codes
}

// personName makes a Chinese name: a surname and a given name.
func personName(r *rand.Rand) string {
	s := []rune(surnames)
	return string(s[r.IntN(len(s))]) + givenNames[r.IntN(len(givenNames))]
}
