// Known-answer tests of the 11 gating strategies (METHOD.md section 6), each fitted directly through
// the registry on synthetic expert predictions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "ren/core/Error.h"
#include "ren/core/Random.h"
#include "ren/gating/GatingStrategy.h"
#include "SyntheticRows.h"
#include "ren/stats/BinaryMetrics.h"

namespace ren::gating {
namespace {

using namespace ren::gating::testing;

std::unique_ptr<GatingModel> fit(const std::string& name, const ScanRows& rows, const ExpertSet& experts,
                                 const GatingOptions& options = {}) {
  return GatingStrategyRegistry::instance().get(name).fit(rows, experts, options);
}

/// The weights of a static model (checked identical on every scan).
std::vector<double> staticWeights(const GatingModel& model, const ScanRows& rows) {
  const Matrix w = model.weights(rows);
  EXPECT_EQ(w.rows, rows.size());
  std::vector<double> first(w.row(0), w.row(0) + w.cols);
  for (std::size_t i = 1; i < w.rows; ++i)
    for (std::size_t k = 0; k < w.cols; ++k) EXPECT_EQ(w(i, k), first[k]);
  return first;
}

std::size_t argmax(const std::vector<double>& v) {
  return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

void expectSimplexRow(const double* w, std::size_t k, const std::string& what) {
  double sum = 0;
  for (std::size_t j = 0; j < k; ++j) {
    EXPECT_GE(w[j], 0.0) << what;
    sum += w[j];
  }
  EXPECT_NEAR(sum, 1.0, 1e-12) << what;
}

std::vector<double> column(const ScanRows& rows, std::size_t k) {
  std::vector<double> c(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) c[i] = rows.probs(i, k);
  return c;
}

// --- Registry --------------------------------------------------------------------------------------

TEST(GatingStrategyRegistry, HoldsTheElevenStrategiesOfMethodInOrder) {
  const auto& registry = GatingStrategyRegistry::instance();
  EXPECT_EQ(registry.names(),
            (std::vector<std::string>{"uniform", "val_auc_linear", "val_auc_softmax", "val_auc_rank", "val_auc_topk",
                                      "inverse_val_loss", "radiomics_power", "magnitude_based", "learned_softmax",
                                      "stacking_logistic", "radiomics_gate"}));
  // Fitted parameters (scored by inner CV): 3, 5, 9, 10, 11; per-scan: 8, 11; combiner: 10.
  for (const auto& s : registry.strategies()) {
    const bool fitted = s.name == "val_auc_softmax" || s.name == "val_auc_topk" || s.name == "learned_softmax" ||
                        s.name == "stacking_logistic" || s.name == "radiomics_gate";
    EXPECT_EQ(s.fitted, fitted) << s.name;
    EXPECT_EQ(s.dynamic, s.name == "magnitude_based" || s.name == "radiomics_gate") << s.name;
    EXPECT_EQ(s.combiner, s.name == "stacking_logistic") << s.name;
    EXPECT_FALSE(s.formula.empty()) << s.name;
  }
  EXPECT_EQ(registry.get("radiomics_gate").group, "learned");
  EXPECT_EQ(registry.get("magnitude_based").group, "feature");
  EXPECT_EQ(registry.get("val_auc_topk").group, "performance");
  EXPECT_THROW(registry.get("best_guess"), ConfigError);
}

// --- 1. One informative expert among noise ----------------------------------------------------------

constexpr std::size_t kInformative = 2;

ScanRows oneInformativeExpert(std::size_t scans, std::uint64_t seed) {
  Rng rng(seed);
  return syntheticRows(scans, 7, 3, rng, [](int label, const double*, std::size_t k, Rng& r) {
    return k == kInformative ? sigmoid(2.0 * (2 * label - 1) + r.normal()) : sigmoid(r.normal());
  });
}

TEST(GatingStrategies, OneInformativeExpertGetsTheLargestWeight) {
  const auto rows = oneInformativeExpert(300, 11);
  const auto experts = expertSet(7);
  for (const char* name : {"val_auc_linear", "val_auc_softmax", "val_auc_rank", "val_auc_topk", "inverse_val_loss",
                           "learned_softmax", "stacking_logistic"}) {
    const auto model = fit(name, rows, experts);
    const auto w = staticWeights(*model, rows);
    ASSERT_EQ(w.size(), 7u) << name;
    expectSimplexRow(w.data(), 7, name);
    EXPECT_EQ(argmax(w), kInformative) << name;
    for (std::size_t k = 0; k < 7; ++k)
      if (k != kInformative) EXPECT_LT(w[k], w[kInformative]) << name << " expert " << k;
  }
}

TEST(GatingStrategies, OneInformativeExpertSoftmaxTopkAndLearnedConcentrate) {
  const auto rows = oneInformativeExpert(300, 12);
  const auto experts = expertSet(7);
  const auto aucs = [&] {
    std::vector<double> a;
    for (std::size_t k = 0; k < 7; ++k) a.push_back(stats::rocAuc(rows.labels, column(rows, k)));
    return a;
  }();
  ASSERT_GT(aucs[kInformative], 0.85);

  const auto softmax = fit("val_auc_softmax", rows, experts);
  const double tau = softmax->parameters().at("tau").get<double>();
  EXPECT_LE(tau, 0.05);
  const auto ws = staticWeights(*softmax, rows);
  EXPECT_GT(ws[kInformative], 0.9);
  // The weights are softmax(AUC / tau) for the reported tau.
  double z = 0;
  for (double a : aucs) z += std::exp((a - aucs[kInformative]) / tau);
  EXPECT_NEAR(ws[kInformative], 1.0 / z, 1e-12);

  const auto topk = fit("val_auc_topk", rows, experts);
  EXPECT_EQ(topk->parameters().at("k").get<int>(), 1);
  const auto wt = staticWeights(*topk, rows);
  EXPECT_EQ(wt[kInformative], 1.0);

  const auto learned = fit("learned_softmax", rows, experts);
  EXPECT_GT(staticWeights(*learned, rows)[kInformative], 0.8);

  const auto stacking = fit("stacking_logistic", rows, experts);
  const auto coefficients = stacking->parameters().at("coefficients").get<std::vector<double>>();
  ASSERT_EQ(coefficients.size(), 7u);
  // The log-likelihood ratio of the informative logit x is 4x (class means +-2, sd 1); the noise
  // coefficients have a standard error of ~0.2 on 300 scans.
  EXPECT_GT(coefficients[kInformative], 2.0);
  for (std::size_t k = 0; k < 7; ++k)
    if (k != kInformative) EXPECT_LT(std::abs(coefficients[k]), 0.8) << "noise expert " << k;
}

TEST(GatingStrategies, RadiomicsPowerFollowsTheReferenceMapping) {
  // raw = max(0.1, 0.1 + 3.8 (AUC - 0.5)): 1.62, 0.1, 0.1 (floored), 0.29, 0.1 (floored), 0.48, 0.1.
  const auto experts = expertSet(7, {0.9, 0.5, 0.4, 0.55, 0.3, 0.6, 0.5});
  const auto rows = oneInformativeExpert(40, 13);
  const auto model = fit("radiomics_power", rows, experts);
  const auto w = staticWeights(*model, rows);
  const double raw[7] = {1.62, 0.1, 0.1, 0.29, 0.1, 0.48, 0.1};
  const double sum = 2.79;
  for (std::size_t k = 0; k < 7; ++k) EXPECT_NEAR(w[k], raw[k] / sum, 1e-12) << "expert " << k;
  EXPECT_NEAR(w[0], 0.58064516129032258, 1e-12);
  // It reads the radiomics AUCs only: the expert probabilities do not matter.
  const auto other = oneInformativeExpert(40, 14);
  EXPECT_EQ(staticWeights(*fit("radiomics_power", other, experts), other), w);
}

TEST(GatingStrategies, RadiomicsPowerIsUnavailableWithoutRadiomicsAucs) {
  const auto rows = oneInformativeExpert(40, 15);
  auto experts = expertSet(7, {0.9, 0.5, 0.4, 0.55, 0.3, 0.6, 0.5});
  experts.radiomicsAuc[3] = kNaN;
  EXPECT_THROW(fit("radiomics_power", rows, experts), StrategyUnavailable);
  experts.radiomicsAuc.clear();
  EXPECT_THROW(fit("radiomics_power", rows, experts), StrategyUnavailable);
}

// --- 2. Equal experts --------------------------------------------------------------------------------

TEST(GatingStrategies, EqualExpertsGetNearUniformWeights) {
  Rng rng(21);
  // Independent noisy copies of one signal: s = (2y - 1) + N(0, 1), p_k = sigmoid(s + N(0, 1)).
  ScanRows rows;
  {
    Rng signalRng(22);
    std::vector<double> signal;
    rows = syntheticRows(8000, 7, 0, rng, [&](int label, const double*, std::size_t k, Rng& r) {
      if (k == 0) signal.push_back((2 * label - 1) + signalRng.normal());
      return sigmoid(signal.back() + r.normal());
    });
  }
  const auto experts = expertSet(7);
  for (const char* name :
       {"uniform", "val_auc_linear", "val_auc_softmax", "val_auc_topk", "inverse_val_loss", "learned_softmax"}) {
    const auto w = staticWeights(*fit(name, rows, experts), rows);
    // (val_auc_softmax may pick a small tau here: AUCs ~0.003 apart then spread the weights ~0.02.)
    for (std::size_t k = 0; k < 7; ++k) EXPECT_NEAR(w[k], 1.0 / 7.0, 0.03) << name << " expert " << k;
  }
  const auto wl = staticWeights(*fit("learned_softmax", rows, experts), rows);
  for (std::size_t k = 0; k < 7; ++k) EXPECT_NEAR(wl[k], 1.0 / 7.0, 0.01) << "learned_softmax expert " << k;
  // The averaged copies beat any single copy, so top-k keeps all of them.
  EXPECT_EQ(fit("val_auc_topk", rows, experts)->parameters().at("k").get<int>(), 7);
  // Stacking's coefficients are alike too.
  const auto ws = staticWeights(*fit("stacking_logistic", rows, experts), rows);
  for (std::size_t k = 0; k < 7; ++k) EXPECT_NEAR(ws[k], 1.0 / 7.0, 0.03) << "stacking expert " << k;
  // Rank weights are ranks by definition: a permutation of 1..7 over 28 (no ties here).
  auto wr = staticWeights(*fit("val_auc_rank", rows, experts), rows);
  std::sort(wr.begin(), wr.end());
  for (std::size_t k = 0; k < 7; ++k) EXPECT_NEAR(wr[k], static_cast<double>(k + 1) / 28.0, 1e-12);
}

// --- 3. Hand-computed weights --------------------------------------------------------------------------

/// Four scans (labels 0, 0, 1, 1) and four experts with validation AUCs 1, 1, 0, 0.75.
ScanRows handRows() {
  ScanRows rows;
  rows.labels = {0, 0, 1, 1};
  rows.scanIds = {"a", "b", "c", "d"};
  rows.patientIds = {"pa", "pb", "pc", "pd"};
  const double p[4][4] = {// scan x expert
                          {0.1, 0.3, 0.9, 0.1},
                          {0.2, 0.4, 0.8, 0.8},
                          {0.8, 0.6, 0.2, 0.2},
                          {0.9, 0.7, 0.1, 0.9}};
  rows.probs = Matrix(4, 4);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t k = 0; k < 4; ++k) rows.probs(i, k) = p[i][k];
  return rows;
}

TEST(GatingStrategies, UniformIsExactlyOneOverK) {
  const auto rows = oneInformativeExpert(50, 31);
  for (std::size_t k : {1u, 4u, 7u}) {
    ScanRows sub = rows;
    sub.probs = Matrix(rows.size(), k, 0.3);
    const auto w = staticWeights(*fit("uniform", sub, expertSet(k)), sub);
    ASSERT_EQ(w.size(), k);
    for (double v : w) EXPECT_EQ(v, 1.0 / static_cast<double>(k));
  }
}

TEST(GatingStrategies, HandComputedAucWeights) {
  const auto rows = handRows();
  const auto experts = expertSet(4);
  // AUCs 1, 1, 0, 0.75.
  const auto linear = staticWeights(*fit("val_auc_linear", rows, experts), rows);
  const double linearWant[4] = {1 / 2.75, 1 / 2.75, 0.0, 0.75 / 2.75};
  for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(linear[k], linearWant[k], 1e-12) << k;
  // Ranks with ties: expert 2 -> 1, expert 3 -> 2, experts 0 and 1 share 3 and 4 -> 3.5 each.
  const auto rank = staticWeights(*fit("val_auc_rank", rows, experts), rows);
  const double rankWant[4] = {0.35, 0.35, 0.1, 0.2};
  for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(rank[k], rankWant[k], 1e-12) << k;
  // Top-k (order 0, 1, 3, 2): k = 4 averages to AUC 0.75; k = 3, 2 and 1 all reach AUC 1, and the
  // tie goes to the broadest, k = 3.
  const auto topk = fit("val_auc_topk", rows, experts);
  EXPECT_EQ(topk->parameters().at("k").get<int>(), 3);
  const auto wt = staticWeights(*topk, rows);
  const double topkWant[4] = {1 / 3.0, 1 / 3.0, 0.0, 1 / 3.0};
  for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(wt[k], topkWant[k], 1e-15) << k;
}

TEST(GatingStrategies, RankTiesAmongSeveralExperts) {
  // Five experts with AUCs 0.5, 1, 0.5, 0, 0.5: ranks 3, 5, 3, 1, 3 (sum 15).
  ScanRows rows;
  rows.labels = {0, 1};
  rows.probs = Matrix(2, 5);
  const double p[2][5] = {{0.4, 0.2, 0.7, 0.9, 0.5}, {0.4, 0.8, 0.7, 0.1, 0.5}};
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t k = 0; k < 5; ++k) rows.probs(i, k) = p[i][k];
  const auto w = staticWeights(*fit("val_auc_rank", rows, expertSet(5)), rows);
  const double want[5] = {0.2, 1.0 / 3.0, 0.2, 1.0 / 15.0, 0.2};
  for (std::size_t k = 0; k < 5; ++k) EXPECT_NEAR(w[k], want[k], 1e-12) << k;
}

TEST(GatingStrategies, InverseValLossByHand) {
  const auto rows = handRows();
  std::vector<double> inverse(4);
  double sum = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    double loss = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const double p = rows.probs(i, k);
      loss -= rows.labels[i] == 1 ? std::log(p) : std::log(1.0 - p);
    }
    inverse[k] = 4.0 / loss;
    sum += inverse[k];
  }
  const auto w = staticWeights(*fit("inverse_val_loss", rows, expertSet(4)), rows);
  for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(w[k], inverse[k] / sum, 1e-12) << k;
  // Expert 0 (-log 0.9 and -log 0.8, twice each) has the smallest mean loss, 0.164252...
  EXPECT_NEAR(1.0 / inverse[0], -(std::log(0.9) + std::log(0.8)) / 2.0, 1e-15);
  EXPECT_EQ(argmax(w), 0u);
}

// --- 4. Per-scan strategies ------------------------------------------------------------------------

TEST(GatingStrategies, MagnitudeBasedWeightsFollowAbnormality) {
  Rng rng(41);
  auto rows =
      syntheticRows(120, 7, 0, rng, [](int, const double*, std::size_t, Rng& r) { return r.uniform(0.05, 0.95); });
  // The informative expert's region looks abnormal on every scan.
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t k = 0; k < 7; ++k) rows.abnormality(i, k) = 0.5 * std::abs(rng.normal());
    rows.abnormality(i, kInformative) = 3.0 + std::abs(rng.normal());
  }
  rows.abnormality(5, 0) = 0.0;  // a region exactly at the control mean keeps weight eps
  GatingOptions options;
  options.magnitudeEps = 0.05;
  const auto model = fit("magnitude_based", rows, expertSet(7), options);
  EXPECT_EQ(model->parameters().at("epsilon").get<double>(), 0.05);
  const Matrix w = model->weights(rows);
  ASSERT_EQ(w.rows, rows.size());
  ASSERT_EQ(w.cols, 7u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    double sum = 0;
    for (std::size_t k = 0; k < 7; ++k) sum += 0.05 + rows.abnormality(i, k);
    for (std::size_t k = 0; k < 7; ++k) EXPECT_NEAR(w(i, k), (0.05 + rows.abnormality(i, k)) / sum, 1e-14);
    std::vector<double> row(w.row(i), w.row(i) + 7);
    EXPECT_EQ(argmax(row), kInformative) << "scan " << i;
    expectSimplexRow(w.row(i), 7, "scan " + std::to_string(i));
  }
  EXPECT_GT(w(5, 0), 0.0);
  // Per scan: two scans with different abnormality get different weights.
  EXPECT_NE(w(0, kInformative), w(1, kInformative));
}

TEST(GatingStrategies, MagnitudeBasedNeedsAbnormality) {
  auto rows = oneInformativeExpert(30, 42);
  rows.abnormality = Matrix();
  EXPECT_THROW(fit("magnitude_based", rows, expertSet(7)), StrategyUnavailable);
  rows.gateInputs = Matrix();
  EXPECT_THROW(fit("radiomics_gate", rows, expertSet(7)), StrategyUnavailable);
}

/// Expert 0 is accurate where gate input 0 is positive and random elsewhere; expert 1 the reverse.
ScanRows routedRows(std::size_t scans, std::uint64_t seed) {
  Rng rng(seed);
  return syntheticRows(scans, 2, 2, rng, [](int label, const double* g, std::size_t k, Rng& r) {
    const bool accurate = (k == 0) == (g[0] > 0);
    return accurate ? sigmoid(1.5 * (2 * label - 1) + r.normal()) : r.uniform(0.02, 0.98);
  });
}

TEST(GatingStrategies, RadiomicsGateRoutesByTheInformativeInput) {
  const auto fitRows = routedRows(600, 51);
  const auto model = fit("radiomics_gate", fitRows, expertSet(2));
  const auto params = model->parameters();
  EXPECT_EQ(params.at("dims").get<int>(), 2);
  EXPECT_EQ(params.at("W_b").size(), 2u * 2u + 2u);
  // On fresh scans from the same distribution.
  const auto test = routedRows(600, 52);
  const Matrix w = model->weights(test);
  std::size_t positiveSide = 0, positiveRight = 0, negativeSide = 0, negativeRight = 0;
  for (std::size_t i = 0; i < test.size(); ++i) {
    expectSimplexRow(w.row(i), 2, "scan " + std::to_string(i));
    if (test.gateInputs(i, 0) > 0) {
      ++positiveSide;
      positiveRight += w(i, 0) > 0.5;
    } else {
      ++negativeSide;
      negativeRight += w(i, 0) < 0.5;
    }
  }
  EXPECT_GT(static_cast<double>(positiveRight) / static_cast<double>(positiveSide), 0.85);
  EXPECT_GT(static_cast<double>(negativeRight) / static_cast<double>(negativeSide), 0.85);
  const double gated = stats::rocAuc(test.labels, model->predict(test));
  const double uniform = stats::rocAuc(test.labels, fit("uniform", fitRows, expertSet(2))->predict(test));
  EXPECT_GT(gated, uniform + 0.05);  // an oracle router reaches ~0.98 against uniform's ~0.89
  // A static strategy cannot route: even the best single expert stays below the gate.
  for (std::size_t k = 0; k < 2; ++k) EXPECT_GT(gated, stats::rocAuc(test.labels, column(test, k)));
}

// --- 5. Hierarchical normalisation ----------------------------------------------------------------------

TEST(HierarchicalNormalise, LobesAndLungsEachCarryHalf) {
  std::vector<double> w{1, 2, 3, 4, 0, 1, 3};
  hierarchicalNormalise(w, {0, 1, 2, 3, 4, 5, 6});
  const double want[7] = {0.05, 0.1, 0.15, 0.2, 0.0, 0.125, 0.375};
  for (std::size_t k = 0; k < 7; ++k) EXPECT_NEAR(w[k], want[k], 1e-15) << k;
  // Experts in any order: the region index decides the group.
  std::vector<double> shuffled{3, 2, 1, 1};
  hierarchicalNormalise(shuffled, {6, 1, 5, 0});
  const double wantShuffled[4] = {0.375, 0.5 * 2 / 3.0, 0.125, 0.5 / 3.0};
  for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(shuffled[k], wantShuffled[k], 1e-15) << k;
}

TEST(HierarchicalNormalise, OneGroupAloneCarriesEverything) {
  std::vector<double> lobes{1, 1, 2};
  hierarchicalNormalise(lobes, {0, 1, 2});
  EXPECT_EQ(lobes, (std::vector<double>{0.25, 0.25, 0.5}));
  std::vector<double> lungs{0.2, 0.6};
  hierarchicalNormalise(lungs, {5, 6});
  EXPECT_NEAR(lungs[0], 0.25, 1e-15);
  EXPECT_NEAR(lungs[1], 0.75, 1e-15);
}

TEST(HierarchicalNormalise, ZeroGroupSharesItsHalfEqually) {
  std::vector<double> w{0, 0, 0, 0, 0, 1, 3};
  hierarchicalNormalise(w, {0, 1, 2, 3, 4, 5, 6});
  for (std::size_t k = 0; k < 5; ++k) EXPECT_NEAR(w[k], 0.1, 1e-15) << k;
  EXPECT_NEAR(w[5], 0.125, 1e-15);
  EXPECT_NEAR(w[6], 0.375, 1e-15);
  std::vector<double> zeroLungs{0.3, 0.7, 0, 0};
  hierarchicalNormalise(zeroLungs, {0, 1, 5, 6});
  EXPECT_EQ(zeroLungs, (std::vector<double>{0.15, 0.35, 0.25, 0.25}));
}

// --- 10. Predictions ---------------------------------------------------------------------------------

TEST(GatingStrategies, PredictIsTheWeightedSumOfExpertProbabilities) {
  const auto rows = oneInformativeExpert(150, 61);
  const auto test = oneInformativeExpert(80, 62);
  const auto experts = expertSet(7, {0.7, 0.6, 0.9, 0.5, 0.55, 0.65, 0.52});
  for (const auto& s : GatingStrategyRegistry::instance().strategies()) {
    if (s.combiner) continue;
    const auto model = s.fit(rows, experts, GatingOptions{});
    const Matrix w = model->weights(test);
    const auto p = model->predict(test);
    ASSERT_EQ(p.size(), test.size()) << s.name;
    for (std::size_t i = 0; i < test.size(); ++i) {
      double want = 0;
      for (std::size_t k = 0; k < 7; ++k) want += w(i, k) * test.probs(i, k);
      EXPECT_EQ(p[i], want) << s.name << " scan " << i;
      expectSimplexRow(w.row(i), 7, s.name);
    }
  }
}

TEST(GatingStrategies, StackingPredictsTheLogisticOfItsReportedCoefficients) {
  const auto rows = oneInformativeExpert(150, 71);
  const auto test = oneInformativeExpert(80, 72);
  GatingOptions options;
  options.stackingC = 0.5;
  const auto model = fit("stacking_logistic", rows, expertSet(7), options);
  const auto params = model->parameters();
  EXPECT_EQ(params.at("C").get<double>(), 0.5);
  const double b0 = params.at("intercept").get<double>();
  const auto b = params.at("coefficients").get<std::vector<double>>();
  ASSERT_EQ(b.size(), 7u);
  const auto p = model->predict(test);
  for (std::size_t i = 0; i < test.size(); ++i) {
    double s = b0;
    for (std::size_t k = 0; k < 7; ++k) s += b[k] * logit(test.probs(i, k));
    EXPECT_NEAR(p[i], sigmoid(s), 1e-12) << "scan " << i;
  }
  // Reported weights: the positive coefficients, normalised.
  double positive = 0;
  for (double c : b) positive += std::max(c, 0.0);
  const auto w = staticWeights(*model, test);
  for (std::size_t k = 0; k < 7; ++k) EXPECT_NEAR(w[k], std::max(b[k], 0.0) / positive, 1e-12) << k;
  // The fit is a stationary point of mean log-loss + ||b||^2 / (2 C n) (intercept unpenalised).
  const auto fitted = model->predict(rows);
  const double n = static_cast<double>(rows.size());
  double g0 = 0;
  std::vector<double> g(7, 0.0);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double r = (fitted[i] - rows.labels[i]) / n;
    g0 += r;
    for (std::size_t k = 0; k < 7; ++k) g[k] += r * logit(rows.probs(i, k));
  }
  EXPECT_NEAR(g0, 0.0, 1e-6);
  for (std::size_t k = 0; k < 7; ++k) EXPECT_NEAR(g[k] + b[k] / (0.5 * n), 0.0, 1e-6) << k;
}

TEST(GatingStrategies, LearnedSoftmaxIsAStationaryPointOfItsObjective) {
  const auto rows = oneInformativeExpert(200, 81);
  GatingOptions options;
  options.learnedL2 = 0.05;
  const auto model = fit("learned_softmax", rows, expertSet(7), options);
  const auto theta = model->parameters().at("theta").get<std::vector<double>>();
  ASSERT_EQ(theta.size(), 7u);
  // Weights are softmax(theta).
  const auto w = staticWeights(*model, rows);
  double z = 0;
  for (double t : theta) z += std::exp(t);
  for (std::size_t k = 0; k < 7; ++k) EXPECT_NEAR(w[k], std::exp(theta[k]) / z, 1e-12);
  // Objective mean log-loss(sum_k w_k p_k) + lambda ||theta||^2, checked by central differences.
  auto objective = [&](const std::vector<double>& t) {
    std::vector<double> e(7);
    double s = 0;
    for (std::size_t k = 0; k < 7; ++k) s += (e[k] = std::exp(t[k]));
    double f = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      double p = 0;
      for (std::size_t k = 0; k < 7; ++k) p += e[k] / s * rows.probs(i, k);
      f -= rows.labels[i] == 1 ? std::log(p) : std::log(1 - p);
    }
    f /= static_cast<double>(rows.size());
    for (double v : t) f += 0.05 * v * v;
    return f;
  };
  const double f0 = objective(theta);
  for (std::size_t k = 0; k < 7; ++k) {
    auto up = theta, down = theta;
    up[k] += 1e-5;
    down[k] -= 1e-5;
    EXPECT_NEAR((objective(up) - objective(down)) / 2e-5, 0.0, 1e-5) << k;
    auto far = theta;
    far[k] += 0.3;
    EXPECT_GT(objective(far), f0) << k;  // a minimum, not just stationary
  }
}

}  // namespace
}  // namespace ren::gating
