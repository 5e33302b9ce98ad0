package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"spotcheck/sampling"
)

// Recorder is what the simulator needs from the service.
type Recorder interface {
	// PendingTasks returns up to limit tasks of open plans that have no
	// result yet, oldest first. Task.Tier, Category, County are filled.
	PendingTasks(ctx context.Context, limit int) ([]sampling.Task, error)
	// RecordResults stores results as one batch.
	RecordResults(ctx context.Context, results []sampling.Result) error
}

// stepLimit is how many pending tasks one Step records at most. The demo
// schedules make about seven tasks a second, so a Run interval of two or
// three seconds keeps up.
const stepLimit = 30

// countyStream selects the PCG stream that spreads failure rates over the
// counties.
const countyStream = 0x5350_4f54_4354_5931 // "SPOTCTY1"

// passRates are the chances that a batch of each tier passes, a little above
// the default targets so that the tiers mostly meet them. Read only.
var passRates = map[string]float64{
	sampling.TierGeneral:   0.94,
	sampling.TierKey:       0.975,
	sampling.TierAgriInput: 0.91,
}

// countyFailFactors scale a tier's failure rate by county. They average 1,
// so a tier's overall rate stays as in passRates, while the two counties that
// draw 2.0 and 1.5 look clearly worse than the rest. Read only.
var countyFailFactors = [len(counties)]float64{2.0, 1.5, 0.975, 0.9, 0.875, 0.85, 0.8, 0.75, 0.7, 0.65}

// failedItems are test items that plausibly fail, by category. Read only.
var failedItems = map[string][]string{
	"garments":             {"纤维含量", "pH值", "甲醛含量", "耐水色牢度", "使用说明"},
	"childrens-garments":   {"绳带", "附件抗拉强力", "pH值", "甲醛含量", "可分解致癌芳香胺染料", "纤维含量"},
	"coatings":             {"挥发性有机化合物(VOC)含量", "苯系物总和含量", "游离甲醛含量", "可溶性重金属", "耐洗刷性"},
	"hazardous-chemicals":  {"主含量", "水分", "灼烧残渣", "铁含量", "包装标志"},
	"food-packaging":       {"总迁移量", "高锰酸钾消耗量", "重金属(以Pb计)", "脱色试验", "溶剂残留量"},
	"food-machinery":       {"食品接触材料迁移", "电气安全", "安全防护装置", "噪声"},
	"wires-cables":         {"导体电阻", "绝缘厚度", "护套厚度", "绝缘老化前抗张强度", "电压试验", "单根垂直燃烧试验"},
	"household-appliances": {"输入功率和电流", "发热", "泄漏电流和电气强度", "接地措施", "标志和说明", "能效等级"},
	"pesticides":           {"有效成分含量", "隐性成分", "水分", "悬浮率", "pH值范围"},
	"fertilizers":          {"养分含量", "水溶性磷占有效磷百分率", "水分", "粒度", "氯离子含量"},
	"veterinary-drugs":     {"含量测定", "有关物质", "鉴别", "性状", "装量差异"},
}

// Simulator plays the inspectors: every interval of Run it records
// plausible outcomes for pending tasks.
//
// A task's outcome depends only on the seed and the task's id, tier, county
// and category, so restarting the demo does not change what a task would
// have got. Step may be called from several goroutines; calls are serialised
// so that two never record the same task.
type Simulator struct {
	rec         Recorder
	logger      *slog.Logger
	seed        uint64
	now         func() time.Time
	loc         *time.Location
	failFactors map[string]float64 // by county; counties not in it get 1

	mu sync.Mutex // held for a whole Step

	life   sync.Mutex
	cancel context.CancelFunc // nil until Start
	done   chan struct{}
}

// NewSimulator returns a simulator that records results through rec, with
// outcomes drawn from seed and test dates taken from now in Asia/Shanghai.
// A nil logger discards.
func NewSimulator(rec Recorder, logger *slog.Logger, seed uint64, now func() time.Time) *Simulator {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// The time zone database is embedded by package config; China has kept
	// UTC+8 without daylight saving since 1991, so the fallback is exact.
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*60*60)
	}
	r := rand.New(rand.NewPCG(seed, countyStream))
	factors := make(map[string]float64, len(counties))
	for i, j := range r.Perm(len(counties)) {
		factors[counties[j].name] = countyFailFactors[i]
	}
	return &Simulator{
		rec:         rec,
		logger:      logger.With("component", "demo"),
		seed:        seed,
		now:         now,
		loc:         loc,
		failFactors: factors,
	}
}

// Start records results every interval in the background until Stop or
// until ctx is done, and returns at once; a second Start does nothing.
// Errors from the recorder are logged (logger.Warn) and retried next tick,
// never fatal: the tasks stay pending until a Step succeeds. Start returns
// an error only when interval is not positive.
func (s *Simulator) Start(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("demo simulator: interval %v must be positive", interval)
	}
	s.life.Lock()
	defer s.life.Unlock()
	if s.cancel != nil {
		return nil
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		s.loop(ctx, interval)
	}()
	return nil
}

// Stop stops recording and waits for a Step under way to end. Stop may be
// called more than once.
func (s *Simulator) Stop() {
	s.life.Lock()
	cancel, done := s.cancel, s.done
	s.life.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// loop runs Step every interval until ctx is done.
func (s *Simulator) loop(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		n, err := s.Step(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.logger.Warn("record demo results", "err", err)
		case n > 0:
			s.logger.Debug("recorded demo results", "results", n)
		}
	}
}

// Step records results for one batch of pending tasks and returns how many
// it recorded: at most 30, the oldest pending first, all tested today in
// Asia/Shanghai. When the recorder fails, nothing is recorded and the tasks
// stay pending.
func (s *Simulator) Step(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tasks, err := s.rec.PendingTasks(ctx, stepLimit)
	if err != nil {
		return 0, fmt.Errorf("list pending tasks: %w", err)
	}
	if len(tasks) == 0 {
		return 0, nil
	}
	today := sampling.Today(s.now(), s.loc)
	results := make([]sampling.Result, len(tasks))
	for i, t := range tasks {
		results[i] = s.result(t, today)
	}
	if err := s.rec.RecordResults(ctx, results); err != nil {
		return 0, fmt.Errorf("record %d results: %w", len(results), err)
	}
	return len(results), nil
}

// result decides a task's outcome. Its random source is derived from the
// seed and the task id rather than shared, so the outcome does not depend on
// which tasks came before it.
func (s *Simulator) result(t sampling.Task, today sampling.Day) sampling.Result {
	r := rand.New(rand.NewPCG(s.seed, uint64(t.ID)))
	res := sampling.Result{
		TaskID:   t.ID,
		Outcome:  sampling.OutcomePass,
		TestedOn: today,
		ReportNo: fmt.Sprintf("SC%s-%06d", string(today)[:len("2006")], t.ID),
	}
	if r.Float64() < s.failRate(t) {
		res.Outcome = sampling.OutcomeFail
		res.FailedItems = pickFailedItems(r, t.Category)
	}
	return res
}

// failRate is the chance that the task's batch fails: its tier's, scaled by
// its county's factor.
func (s *Simulator) failRate(t sampling.Task) float64 {
	pass, ok := passRates[t.Tier]
	if !ok {
		pass = passRates[sampling.TierGeneral]
	}
	factor, ok := s.failFactors[t.County]
	if !ok {
		factor = 1
	}
	return (1 - pass) * factor
}

// pickFailedItems returns one failed item of the category, sometimes two,
// joined by ";" as in the results CSV.
func pickFailedItems(r *rand.Rand, category string) string {
	items := failedItems[category]
	if len(items) == 0 {
		items = []string{"标签标识", "其他项目"}
	}
	n := 1
	if r.IntN(4) == 0 {
		n = 2
	}
	picked := make([]string, n)
	for i, j := range r.Perm(len(items))[:n] {
		picked[i] = items[j]
	}
	return strings.Join(picked, ";")
}
