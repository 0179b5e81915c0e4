// Validation-only selection of the gating strategies: inner folds over validation patients, inner
// cross-validated scoring of the fitted strategies, unavailable strategies, the pure-noise check of
// METHOD.md section 6, and the absence of any path from test labels to the selection.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ren/core/Error.h"
#include "ren/core/Random.h"
#include "ren/gating/GatingSelection.h"
#include "SyntheticRows.h"
#include "ren/stats/BinaryMetrics.h"

namespace ren::gating {
namespace {

using namespace ren::gating::testing;

const std::vector<double> kRadiomicsAucs{0.62, 0.55, 0.71, 0.48, 0.6, 0.66, 0.58};

/// Expert 0 accurate where gate input 0 is positive, expert 1 where it is negative; experts 2..6
/// weakly informative everywhere.
ExpertProb routedExperts() {
  return [](int label, const double* g, std::size_t k, Rng& r) {
    const double sign = 2 * label - 1;
    if (k < 2) return (k == 0) == (g[0] > 0) ? sigmoid(3.0 * sign + r.normal()) : r.uniform(0.02, 0.98);
    return sigmoid(0.4 * sign + r.normal());
  };
}

ExpertProb pureNoise() {
  return [](int, const double*, std::size_t, Rng& r) { return sigmoid(r.normal()); };
}

const StrategyOutcome& byName(const GatingOutcome& outcome, const std::string& name) {
  for (const auto& s : outcome.strategies)
    if (s.name == name) return s;
  throw std::runtime_error("no strategy " + name);
}

// --- 6. Inner folds ---------------------------------------------------------------------------------

TEST(InnerFolds, EveryScanOnceAndPatientsNeverSplit) {
  Rng rng(1);
  auto rows = syntheticRows(150, 3, 0, rng, pureNoise());
  rows.labels[1] = 1 - rows.labels[1];  // a patient whose scans disagree is positive (any label 1)
  for (int k : {2, 5, 7}) {
    const auto folds = innerFolds(rows, k, 42);
    ASSERT_EQ(folds.size(), static_cast<std::size_t>(k));
    std::vector<int> seen(rows.size(), 0);
    std::map<std::string, std::size_t> foldOf;
    for (std::size_t f = 0; f < folds.size(); ++f) {
      EXPECT_TRUE(std::is_sorted(folds[f].begin(), folds[f].end()));
      bool pos = false, neg = false;
      for (std::size_t i : folds[f]) {
        ASSERT_LT(i, rows.size());
        ++seen[i];
        const auto [it, inserted] = foldOf.emplace(rows.patientIds[i], f);
        EXPECT_EQ(it->second, f) << "patient " << rows.patientIds[i] << " split across folds";
        (rows.labels[i] == 1 ? pos : neg) = true;
      }
      EXPECT_TRUE(pos && neg) << "fold " << f << " of " << k << " lacks a class";
    }
    for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(seen[i], 1) << "scan " << i;
    // Patients are dealt evenly: fold sizes in patients differ by at most one, positives too.
    std::vector<std::set<std::string>> patients(folds.size()), positives(folds.size());
    std::set<std::string> positivePatients;
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (rows.labels[i] == 1) positivePatients.insert(rows.patientIds[i]);
    for (std::size_t f = 0; f < folds.size(); ++f)
      for (std::size_t i : folds[f]) {
        patients[f].insert(rows.patientIds[i]);
        if (positivePatients.count(rows.patientIds[i])) positives[f].insert(rows.patientIds[i]);
      }
    auto spread = [](const std::vector<std::set<std::string>>& sets) {
      std::size_t lo = sets[0].size(), hi = lo;
      for (const auto& s : sets) lo = std::min(lo, s.size()), hi = std::max(hi, s.size());
      return hi - lo;
    };
    EXPECT_LE(spread(patients), 1u) << k;
    EXPECT_LE(spread(positives), 1u) << k;
  }
}

TEST(InnerFolds, BothClassesInEveryFoldWithJustKPatientsPerClass) {
  // 5 positive and 5 negative patients (several scans each), k = 5: one of each per fold.
  ScanRows rows;
  for (int p = 0; p < 10; ++p)
    for (int s = 0; s <= p % 3; ++s) {
      rows.scanIds.push_back("s" + std::to_string(rows.size()));
      rows.patientIds.push_back("p" + std::to_string(p));
      rows.labels.push_back(p % 2);
    }
  rows.probs = Matrix(rows.size(), 2, 0.5);
  for (std::uint64_t seed : {1u, 2u, 3u, 4u}) {
    const auto folds = innerFolds(rows, 5, seed);
    ASSERT_EQ(folds.size(), 5u);
    for (const auto& fold : folds) {
      std::set<int> labels;
      for (std::size_t i : fold) labels.insert(rows.labels[i]);
      EXPECT_EQ(labels.size(), 2u) << "seed " << seed;
    }
  }
}

TEST(InnerFolds, DeterministicPerSeedAndDifferentAcrossSeeds) {
  Rng rng(2);
  const auto rows = syntheticRows(90, 2, 0, rng, pureNoise());
  EXPECT_EQ(innerFolds(rows, 5, 42), innerFolds(rows, 5, 42));
  EXPECT_NE(innerFolds(rows, 5, 42), innerFolds(rows, 5, 43));
}

TEST(InnerFolds, EveryFittingSetHoldsBothClasses) {
  ScanRows rows;
  rows.scanIds = {"a", "b", "c", "d", "e", "f"};
  rows.patientIds = {"p", "p", "q", "r", "s", "t"};
  rows.labels = {1, 1, 0, 1, 0, 1};  // positive patients p, r, t; negative q, s
  rows.probs = Matrix(6, 1, 0.5);
  const auto folds = innerFolds(rows, 5, 42);
  ASSERT_EQ(folds.size(), 5u);  // one patient per fold; every complement still has both classes
  std::size_t total = 0;
  for (std::size_t f = 0; f < folds.size(); ++f) {
    total += folds[f].size();
    bool pos = false, neg = false;
    for (std::size_t g = 0; g < folds.size(); ++g)
      if (g != f)
        for (std::size_t i : folds[g]) (rows.labels[i] ? pos : neg) = true;
    EXPECT_TRUE(pos && neg) << "fitting set of fold " << f;
  }
  EXPECT_EQ(total, 6u);
  // One negative patient: whichever fold holds it leaves a fitting set without negatives, so no
  // inner cross-validation is possible (a single fold).
  rows.labels = {1, 1, 0, 1, 1, 1};
  EXPECT_EQ(innerFolds(rows, 5, 42).size(), 1u);
  // A converter (scans of both classes) counts for both: p mixed, q negative, r positive.
  rows.scanIds = {"a", "b", "c", "d"};
  rows.patientIds = {"p", "p", "q", "r"};
  rows.labels = {0, 1, 0, 1};
  rows.probs = Matrix(4, 1, 0.5);
  EXPECT_EQ(innerFolds(rows, 5, 42).size(), 3u);
}

// --- 7. Selection -------------------------------------------------------------------------------------

struct Problem {
  ScanRows val, test;
};

Problem routedProblem(std::uint64_t seed, std::size_t valScans = 300) {
  Rng rng(seed);
  Problem p;
  p.val = syntheticRows(valScans, 7, 3, rng, routedExperts(), "v");
  p.test = syntheticRows(200, 7, 3, rng, routedExperts(), "t");
  return p;
}

TEST(SelectGating, SelectsTheBestValidationScoreWithInnerCvForFittedStrategies) {
  const auto p = routedProblem(101);
  const auto experts = expertSet(7, kRadiomicsAucs);
  const auto outcome = selectGating(p.val, p.test, experts, GatingOptions{});
  const auto& registry = GatingStrategyRegistry::instance();
  ASSERT_EQ(outcome.strategies.size(), registry.strategies().size());
  double best = -1;
  std::size_t bestIndex = 0;
  for (std::size_t i = 0; i < outcome.strategies.size(); ++i) {
    const auto& o = outcome.strategies[i];
    const auto& s = registry.strategies()[i];
    EXPECT_EQ(o.name, s.name);
    EXPECT_EQ(o.group, s.group);
    EXPECT_EQ(o.fitted, s.fitted);
    EXPECT_EQ(o.dynamic, s.dynamic);
    ASSERT_TRUE(o.available) << o.name << ": " << o.unavailableReason;
    EXPECT_EQ(o.scoring, s.fitted ? "inner-cv" : "validation") << o.name;
    ASSERT_EQ(o.valProbs.size(), p.val.size());
    ASSERT_EQ(o.testProbs.size(), p.test.size());
    EXPECT_EQ(o.valAuc, stats::rocAuc(p.val.labels, o.valProbs)) << o.name;
    if (!s.fitted) EXPECT_EQ(o.valScore, o.valAuc) << o.name;
    ASSERT_EQ(o.weights.size(), 7u);
    double sum = 0;
    for (double w : o.weights) sum += w;
    EXPECT_NEAR(sum, 1.0, 1e-12) << o.name;
    if (o.valScore > best) {
      best = o.valScore;
      bestIndex = i;
    }
  }
  EXPECT_EQ(outcome.selected, bestIndex);
  // On these data only a per-scan gate can route between experts 0 and 1.
  EXPECT_EQ(outcome.strategies[outcome.selected].name, "radiomics_gate");
  // Inner-CV scores of fitted strategies are out of sample: below their in-sample AUC here.
  for (const auto& o : outcome.strategies)
    if (o.name == "learned_softmax" || o.name == "stacking_logistic" || o.name == "radiomics_gate")
      EXPECT_LT(o.valScore, o.valAuc) << o.name;
}

TEST(SelectGating, InnerCvScoreIsThePooledOutOfFoldAuc) {
  const auto p = routedProblem(102, 120);
  const auto experts = expertSet(7, kRadiomicsAucs);
  GatingOptions options;
  options.innerFolds = 4;
  options.seed = 9;
  const auto outcome = selectGating(p.val, p.test, experts, options, {"learned_softmax", "val_auc_topk"});
  ASSERT_EQ(outcome.strategies.size(), 2u);
  const auto folds = innerFolds(p.val, 4, 9);
  for (const auto& o : outcome.strategies) {
    const auto& strategy = GatingStrategyRegistry::instance().get(o.name);
    std::vector<double> outOfFold(p.val.size(), kNaN);
    for (std::size_t f = 0; f < folds.size(); ++f) {
      std::vector<std::size_t> fitIdx;
      for (std::size_t g = 0; g < folds.size(); ++g)
        if (g != f) fitIdx.insert(fitIdx.end(), folds[g].begin(), folds[g].end());
      std::sort(fitIdx.begin(), fitIdx.end());
      const auto held = strategy.fit(p.val.subset(fitIdx), experts, options)->predict(p.val.subset(folds[f]));
      for (std::size_t t = 0; t < folds[f].size(); ++t) outOfFold[folds[f][t]] = held[t];
    }
    EXPECT_EQ(o.valScore, stats::rocAuc(p.val.labels, outOfFold)) << o.name;
    // The frozen fit is the all-validation one.
    EXPECT_EQ(o.valProbs, strategy.fit(p.val, experts, options)->predict(p.val)) << o.name;
  }
}

TEST(SelectGating, UnavailableStrategiesAreReportedAndNeverSelected) {
  auto p = routedProblem(103, 150);
  for (ScanRows* rows : {&p.val, &p.test}) {
    rows->abnormality = Matrix();
    rows->gateInputs = Matrix();
  }
  const auto outcome = selectGating(p.val, p.test, expertSet(7), GatingOptions{});  // radiomics AUCs NaN
  for (const auto& o : outcome.strategies) {
    const bool unavailable = o.name == "radiomics_power" || o.name == "magnitude_based" || o.name == "radiomics_gate";
    EXPECT_EQ(o.available, !unavailable) << o.name;
    if (unavailable) {
      EXPECT_FALSE(o.unavailableReason.empty()) << o.name;
      EXPECT_TRUE(std::isnan(o.valScore)) << o.name;
      EXPECT_TRUE(o.valProbs.empty() && o.testProbs.empty()) << o.name;
    }
  }
  EXPECT_NE(byName(outcome, "radiomics_power").unavailableReason.find("xgb"), std::string::npos);
  const auto& selected = outcome.strategies[outcome.selected];
  EXPECT_TRUE(selected.available);
  for (const auto& o : outcome.strategies)
    if (o.available) EXPECT_LE(o.valScore, selected.valScore) << o.name;

  // Only unavailable strategies asked for: nothing can be selected.
  EXPECT_THROW(selectGating(p.val, p.test, expertSet(7), GatingOptions{}, {"radiomics_power", "magnitude_based"}),
               InputError);
}

TEST(SelectGating, ValidationWithOneClassIsAnInputError) {
  auto p = routedProblem(104, 60);
  std::fill(p.val.labels.begin(), p.val.labels.end(), 0);
  EXPECT_THROW(selectGating(p.val, p.test, expertSet(7, kRadiomicsAucs), GatingOptions{}), InputError);
  std::fill(p.val.labels.begin(), p.val.labels.end(), 1);
  EXPECT_THROW(selectGating(p.val, p.test, expertSet(7, kRadiomicsAucs), GatingOptions{}), InputError);
  // Experts and prediction columns disagree.
  auto q = routedProblem(105, 60);
  EXPECT_THROW(selectGating(q.val, q.test, expertSet(6, {0.6, 0.6, 0.6, 0.6, 0.6, 0.6}), GatingOptions{}), InputError);
}

TEST(SelectGating, TiesGoToTheEarlierStrategy) {
  // One expert: every strategy predicts the same, so every score ties and uniform (first) wins.
  Rng rng(106);
  Problem p;
  p.val = syntheticRows(80, 1, 2, rng, routedExperts(), "v");
  p.test = syntheticRows(20, 1, 2, rng, routedExperts(), "t");
  const auto outcome = selectGating(p.val, p.test, expertSet(1, {0.7}), GatingOptions{},
                                    {"uniform", "val_auc_linear", "inverse_val_loss", "learned_softmax"});
  ASSERT_EQ(outcome.strategies.size(), 4u);
  for (const auto& o : outcome.strategies) EXPECT_EQ(o.valScore, outcome.strategies[0].valScore) << o.name;
  EXPECT_EQ(outcome.selected, 0u);
}

TEST(SelectGating, HierarchicalWeightsGiveEachGroupHalf) {
  const auto p = routedProblem(107, 150);
  GatingOptions options;
  options.hierarchical = true;
  const auto outcome = selectGating(p.val, p.test, expertSet(7, kRadiomicsAucs), options);
  for (const auto& o : outcome.strategies) {
    ASSERT_TRUE(o.available) << o.name;
    if (o.name == "stacking_logistic") {
      // A combiner (docs/GATING.md): only its reported weights change -- its normalised positive
      // coefficients, hierarchically normalised -- while it still predicts by its own model.
      const auto b = o.parameters.at("coefficients").get<std::vector<double>>();
      std::vector<double> want(7);
      for (std::size_t k = 0; k < 7; ++k) want[k] = std::max(b[k], 0.0);
      hierarchicalNormalise(want, expertSet(7).regionIndex);
      for (std::size_t k = 0; k < 7; ++k) EXPECT_NEAR(o.weights[k], want[k], 1e-12) << k;
      const double b0 = o.parameters.at("intercept").get<double>();
      for (std::size_t i = 0; i < p.test.size(); ++i) {
        double s = b0;
        for (std::size_t k = 0; k < 7; ++k) s += b[k] * logit(p.test.probs(i, k));
        EXPECT_NEAR(o.testProbs[i], sigmoid(s), 1e-12) << i;
      }
      continue;
    }
    double lobes = 0, lungs = 0;
    for (std::size_t k = 0; k < 7; ++k) (k < 5 ? lobes : lungs) += o.weights[k];
    EXPECT_NEAR(lobes, 0.5, 1e-12) << o.name;
    EXPECT_NEAR(lungs, 0.5, 1e-12) << o.name;
    if (!o.dynamic) {  // predictions use the normalised weights
      for (std::size_t i = 0; i < p.test.size(); ++i) {
        double want = 0;
        for (std::size_t k = 0; k < 7; ++k) want += o.weights[k] * p.test.probs(i, k);
        EXPECT_NEAR(o.testProbs[i], want, 1e-12) << o.name;
      }
    }
  }
  // Uniform over 5 lobes and 2 lungs: 0.1 each lobe, 0.25 each lung.
  const auto& uniform = byName(outcome, "uniform");
  for (std::size_t k = 0; k < 7; ++k) EXPECT_NEAR(uniform.weights[k], k < 5 ? 0.1 : 0.25, 1e-15);
}

// --- 10. Frozen predictions -----------------------------------------------------------------------------

TEST(SelectGating, TestPredictionsOfTheFrozenFits) {
  const auto p = routedProblem(108, 150);
  const auto outcome = selectGating(p.val, p.test, expertSet(7, kRadiomicsAucs), GatingOptions{});
  for (const auto& o : outcome.strategies) {
    if (o.dynamic) continue;
    if (o.name == "stacking_logistic") {
      const double b0 = o.parameters.at("intercept").get<double>();
      const auto b = o.parameters.at("coefficients").get<std::vector<double>>();
      for (std::size_t i = 0; i < p.test.size(); ++i) {
        double s = b0;
        for (std::size_t k = 0; k < 7; ++k) s += b[k] * logit(p.test.probs(i, k));
        EXPECT_NEAR(o.testProbs[i], sigmoid(s), 1e-12) << i;
      }
      continue;
    }
    for (std::size_t i = 0; i < p.test.size(); ++i) {
      double want = 0;
      for (std::size_t k = 0; k < 7; ++k) want += o.weights[k] * p.test.probs(i, k);
      EXPECT_NEAR(o.testProbs[i], want, 1e-12) << o.name << " scan " << i;
    }
  }
}

// --- 8. Pure-noise experts: inner CV keeps learned strategies from winning by overfitting --------------

TEST(SelectGating, PureNoiseExpertsDoNotFavourLearnedStrategies) {
  // 40 seeded problems of K = 7 experts carrying no signal (and noise radiomics), 60-100 validation
  // scans of patients with 1-3 scans. If selection were blind to how a strategy was fitted, each of
  // the 11 would win equally often: the learned group (3 strategies) with probability 3/11. Under
  // that null the count of learned wins over 40 draws is Binomial(40, 3/11): mean 10.9, and
  // P(count >= 18) = 0.012, so 18/40 = 0.45 bounds an honest selection.
  const std::size_t draws = 40;
  int learnedInnerCv = 0, learnedInSample = 0;
  for (std::size_t d = 0; d < draws; ++d) {
    Rng rng(deriveSeed(2024, {d}));
    const auto valScans = static_cast<std::size_t>(rng.between(60, 100));
    Problem p;
    p.val = syntheticRows(valScans, 7, 4, rng, pureNoise(), "v");
    p.test = syntheticRows(12, 7, 4, rng, pureNoise(), "t");
    std::vector<double> radiomicsAuc(7);
    for (double& a : radiomicsAuc) a = rng.uniform(0.45, 0.65);
    GatingOptions options;
    options.seed = deriveSeed(7, {d});
    const auto outcome = selectGating(p.val, p.test, expertSet(7, radiomicsAuc), options);
    ASSERT_EQ(outcome.strategies.size(), 11u);
    for (const auto& o : outcome.strategies) ASSERT_TRUE(o.available) << o.name;
    learnedInnerCv += outcome.strategies[outcome.selected].group == "learned";
    // The same selection had fitted strategies been scored in sample (their all-validation AUC).
    std::size_t inSample = 0;
    for (std::size_t i = 1; i < outcome.strategies.size(); ++i)
      if (outcome.strategies[i].valAuc > outcome.strategies[inSample].valAuc) inSample = i;
    learnedInSample += outcome.strategies[inSample].group == "learned";
  }
  const double innerCvRate = learnedInnerCv / static_cast<double>(draws);
  const double inSampleRate = learnedInSample / static_cast<double>(draws);
  EXPECT_LE(innerCvRate, 0.45) << learnedInnerCv << " of " << draws;
  // In-sample scoring is what the inner CV guards against: it favours the learned group heavily
  // and would fail the bound above.
  EXPECT_GT(inSampleRate, innerCvRate) << learnedInSample << " vs " << learnedInnerCv;
  EXPECT_GT(inSampleRate, 0.45) << learnedInSample << " of " << draws;
}

// --- 9. No path from test labels to the selection ------------------------------------------------------

void expectSameOutcome(const GatingOutcome& a, const GatingOutcome& b, bool sameTestProbs) {
  ASSERT_EQ(a.strategies.size(), b.strategies.size());
  EXPECT_EQ(a.selected, b.selected);
  auto same = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
  for (std::size_t i = 0; i < a.strategies.size(); ++i) {
    const auto &x = a.strategies[i], &y = b.strategies[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.group, y.group);
    EXPECT_EQ(x.dynamic, y.dynamic);
    EXPECT_EQ(x.fitted, y.fitted);
    EXPECT_EQ(x.available, y.available) << x.name;
    EXPECT_EQ(x.unavailableReason, y.unavailableReason) << x.name;
    EXPECT_EQ(x.scoring, y.scoring) << x.name;
    EXPECT_TRUE(same(x.valScore, y.valScore)) << x.name;
    EXPECT_TRUE(same(x.valAuc, y.valAuc)) << x.name;
    EXPECT_EQ(x.weights, y.weights) << x.name;
    EXPECT_EQ(x.parameters.dump(), y.parameters.dump()) << x.name;
    EXPECT_EQ(x.valProbs, y.valProbs) << x.name;
    if (sameTestProbs) EXPECT_EQ(x.testProbs, y.testProbs) << x.name;
  }
}

TEST(SelectGating, TestLabelsDoNotReachTheSelection) {
  const auto p = routedProblem(109, 150);
  const auto experts = expertSet(7, kRadiomicsAucs);
  const auto base = selectGating(p.val, p.test, experts, GatingOptions{});
  auto flipped = p.test;
  for (int& y : flipped.labels) y = 1 - y;
  expectSameOutcome(base, selectGating(p.val, flipped, experts, GatingOptions{}), true);
  // Even a test set of one class is fine: test labels are never read.
  auto oneClass = p.test;
  std::fill(oneClass.labels.begin(), oneClass.labels.end(), 0);
  expectSameOutcome(base, selectGating(p.val, oneClass, experts, GatingOptions{}), true);
  // Other test scans altogether change only the test predictions.
  Rng rng(110);
  const auto otherTest = syntheticRows(37, 7, 3, rng, pureNoise(), "x");
  const auto other = selectGating(p.val, otherTest, experts, GatingOptions{});
  expectSameOutcome(base, other, false);
  EXPECT_EQ(other.strategies[0].testProbs.size(), 37u);
}

TEST(SelectGating, ValidationLabelsDoReachTheSelection) {
  // The counterpart of the test above: flipping VALIDATION labels changes the scores (the
  // comparison above can fail).
  const auto p = routedProblem(111, 150);
  const auto experts = expertSet(7, kRadiomicsAucs);
  const auto base = selectGating(p.val, p.test, experts, GatingOptions{});
  auto flipped = p.val;
  for (int& y : flipped.labels) y = 1 - y;
  const auto other = selectGating(flipped, p.test, experts, GatingOptions{});
  EXPECT_NE(byName(base, "val_auc_linear").valScore, byName(other, "val_auc_linear").valScore);
  EXPECT_NE(byName(base, "learned_softmax").weights, byName(other, "learned_softmax").weights);
}

}  // namespace
}  // namespace ren::gating
