#include "ren/stats/BinaryMetrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "ren/core/Error.h"

using namespace ren::stats;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// A small example with ties used by several tests:
//   labels {0, 1, 1, 0, 1}, scores {0.2, 0.9, 0.4, 0.4, 0.6}; 3 positives, 2 negatives.
const std::vector<int> kTieLabels{0, 1, 1, 0, 1};
const std::vector<double> kTieScores{0.2, 0.9, 0.4, 0.4, 0.6};

std::set<std::string> keysOf(const nlohmann::json& j) {
  std::set<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  return keys;
}

}  // namespace

// ---- AUC ----

TEST(RocAuc, HandCheckedValues) {
  // Positives 0.35, 0.8; negatives 0.1, 0.4: 0.35 beats 0.1 only, 0.8 beats both -> 3 of 4 pairs.
  EXPECT_DOUBLE_EQ(rocAuc({0, 0, 1, 1}, {0.1, 0.4, 0.35, 0.8}), 0.75);
  EXPECT_DOUBLE_EQ(rocAuc({0, 0, 1, 1}, {0.3, 0.3, 0.3, 0.3}), 0.5);  // all tied: every pair counts 1/2
  EXPECT_DOUBLE_EQ(rocAuc({0, 0, 1, 1}, {0.1, 0.2, 0.7, 0.9}), 1.0);  // perfect
  EXPECT_DOUBLE_EQ(rocAuc({0, 0, 1, 1}, {0.9, 0.7, 0.2, 0.1}), 0.0);  // reversed
  // Positives 0.9, 0.4, 0.6 vs negatives 0.2, 0.4: 0.9 -> 2, 0.6 -> 2, 0.4 -> 1 + 1/2 (tie) = 5.5 of 6.
  EXPECT_DOUBLE_EQ(rocAuc(kTieLabels, kTieScores), 5.5 / 6.0);
  // Any real scores are allowed (not only probabilities).
  EXPECT_DOUBLE_EQ(rocAuc({0, 1}, {-3.0, 12.0}), 1.0);
}

TEST(RocAuc, NaNWhenAClassIsAbsent) {
  EXPECT_TRUE(std::isnan(rocAuc({0, 0, 0}, {0.1, 0.5, 0.9})));
  EXPECT_TRUE(std::isnan(rocAuc({1, 1}, {0.1, 0.5})));
  EXPECT_TRUE(std::isnan(rocAuc({}, {})));
}

TEST(RocAuc, RejectsBadInput) {
  EXPECT_THROW(rocAuc({0, 1, 1}, {0.1, 0.2}), ren::InputError);          // size mismatch
  EXPECT_THROW(rocAuc({0, 2}, {0.1, 0.2}), ren::InputError);             // label 2
  EXPECT_THROW(rocAuc({0, -1}, {0.1, 0.2}), ren::InputError);            // label -1
  EXPECT_THROW(rocAuc({0, 1}, {0.1, kNaN}), ren::InputError);            // NaN score
  EXPECT_THROW(rocAuc({0, 1}, {0.1, HUGE_VAL}), ren::InputError);        // infinite score
}

// ---- average precision ----

TEST(AveragePrecision, MatchesScikitLearnDefinitionWithTies) {
  // scikit-learn: AP = sum over distinct thresholds, descending, of (R_n - R_{n-1}) * P_n, R_0 = 0.
  // kTieLabels/kTieScores, P = 3 positives:
  //   t = 0.9: tp 1, fp 0 -> R 1/3, P 1     -> (1/3 - 0)   * 1   = 1/3
  //   t = 0.6: tp 2, fp 0 -> R 2/3, P 1     -> (2/3 - 1/3) * 1   = 1/3
  //   t = 0.4: tp 3, fp 1 -> R 1,   P 3/4   -> (1 - 2/3)   * 3/4 = 1/4   (the tie enters as one step)
  //   t = 0.2: tp 3, fp 2 -> R 1,   P 3/5   -> 0
  //   AP = 1/3 + 1/3 + 1/4 = 11/12.
  EXPECT_NEAR(averagePrecision(kTieLabels, kTieScores), 11.0 / 12.0, 1e-15);
  // All tied: one threshold with recall 1 and precision = prevalence.
  EXPECT_DOUBLE_EQ(averagePrecision({0, 1, 1, 0}, {0.5, 0.5, 0.5, 0.5}), 0.5);
  EXPECT_DOUBLE_EQ(averagePrecision({0, 0, 1, 1}, {0.1, 0.2, 0.7, 0.9}), 1.0);
  // Reversed: descending 0.9 (0), 0.7 (0), 0.2 (1), 0.1 (1); recall steps at t = 0.2 (R 1/2, P 1/3)
  // and t = 0.1 (R 1, P 2/4): AP = 1/6 + 1/4 = 5/12.
  EXPECT_NEAR(averagePrecision({0, 0, 1, 1}, {0.9, 0.7, 0.2, 0.1}), 5.0 / 12.0, 1e-15);
}

TEST(AveragePrecision, NaNWithoutPositivesAndRejectsBadInput) {
  EXPECT_TRUE(std::isnan(averagePrecision({0, 0}, {0.1, 0.9})));
  EXPECT_DOUBLE_EQ(averagePrecision({1, 1}, {0.1, 0.9}), 1.0);  // no negatives: precision 1 throughout
  EXPECT_THROW(averagePrecision({0, 1}, {0.1}), ren::InputError);
  EXPECT_THROW(averagePrecision({0, 3}, {0.1, 0.2}), ren::InputError);
  EXPECT_THROW(averagePrecision({0, 1}, {kNaN, 0.2}), ren::InputError);
}

// ---- Brier and log-loss ----

TEST(BrierScore, HandCheckedValue) {
  // (0.1^2 + 0.2^2 + 0.4^2 + 0.3^2) / 4 = (0.01 + 0.04 + 0.16 + 0.09) / 4 = 0.075
  EXPECT_NEAR(brierScore({0, 1, 1, 0}, {0.1, 0.8, 0.6, 0.3}), 0.075, 1e-15);
  EXPECT_DOUBLE_EQ(brierScore({0, 1}, {0.0, 1.0}), 0.0);
  EXPECT_DOUBLE_EQ(brierScore({0, 1}, {1.0, 0.0}), 1.0);
  EXPECT_THROW(brierScore({0, 1}, {0.1, 1.5}), ren::InputError);  // not a probability
  EXPECT_THROW(brierScore({0, 1}, {0.1}), ren::InputError);
  EXPECT_THROW(brierScore({0, 2}, {0.1, 0.2}), ren::InputError);
}

TEST(LogLoss, HandCheckedValuesAndClipping) {
  // -(ln 0.8 + ln(1 - 0.4)) / 2
  EXPECT_NEAR(logLoss({1, 0}, {0.8, 0.4}), -(std::log(0.8) + std::log(0.6)) / 2, 1e-15);
  EXPECT_NEAR(logLoss({1, 0}, {0.8, 0.4}), 0.36698458, 1e-8);
  // Confidently wrong: clipped to 1e-7 -> -ln(1e-7) = 16.118095650958319 per row.
  EXPECT_NEAR(logLoss({1, 0}, {0.0, 1.0}), 16.118095650958319, 1e-9);
  // Confidently right: -ln(1 - 1e-7) ~ 1.00000005e-7.
  EXPECT_NEAR(logLoss({1, 0}, {1.0, 0.0}), 1.00000005e-7, 1e-15);
  EXPECT_THROW(logLoss({1, 0}, {0.8, -0.1}), ren::InputError);
  EXPECT_THROW(logLoss({1, 0}, {0.8, kNaN}), ren::InputError);
}

// ---- threshold metrics ----

TEST(ThresholdMetrics, CountsAndRatiosAtHalf) {
  // At 0.5: predicted positive 0.9 (1), 0.6 (1); negative 0.2 (0), 0.4 (1), 0.4 (0).
  const ThresholdMetrics m = thresholdMetrics(kTieLabels, kTieScores, 0.5);
  EXPECT_EQ(m.threshold, 0.5);
  EXPECT_EQ(m.tp, 2);
  EXPECT_EQ(m.fp, 0);
  EXPECT_EQ(m.tn, 2);
  EXPECT_EQ(m.fn, 1);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.8);
  EXPECT_DOUBLE_EQ(m.sensitivity, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.specificity, 1.0);
  EXPECT_DOUBLE_EQ(m.precision, 1.0);
  EXPECT_DOUBLE_EQ(m.f1, 0.8);  // 2*2 / (2*2 + 0 + 1)
  EXPECT_DOUBLE_EQ(m.balancedAccuracy, 5.0 / 6.0);
}

TEST(ThresholdMetrics, ScoreEqualToThresholdIsPositive) {
  // At 0.4 both tied rows are predicted positive: tp 3, fp 1, tn 1, fn 0.
  const ThresholdMetrics m = thresholdMetrics(kTieLabels, kTieScores, 0.4);
  EXPECT_EQ(m.tp, 3);
  EXPECT_EQ(m.fp, 1);
  EXPECT_EQ(m.tn, 1);
  EXPECT_EQ(m.fn, 0);
  EXPECT_DOUBLE_EQ(m.sensitivity, 1.0);
  EXPECT_DOUBLE_EQ(m.specificity, 0.5);
  EXPECT_DOUBLE_EQ(m.precision, 0.75);
  EXPECT_DOUBLE_EQ(m.f1, 6.0 / 7.0);
  EXPECT_DOUBLE_EQ(m.balancedAccuracy, 0.75);
}

TEST(ThresholdMetrics, ZeroDenominatorsAreNaN) {
  // Nothing predicted positive: precision 0/0 -> NaN; F1 = 0 / (0 + 0 + 3) = 0.
  const ThresholdMetrics none = thresholdMetrics(kTieLabels, kTieScores, 0.95);
  EXPECT_EQ(none.tp + none.fp, 0);
  EXPECT_TRUE(std::isnan(none.precision));
  EXPECT_DOUBLE_EQ(none.f1, 0.0);
  EXPECT_DOUBLE_EQ(none.sensitivity, 0.0);
  // No positives: sensitivity NaN, so balanced accuracy NaN; no rows at all: accuracy NaN.
  const ThresholdMetrics negativesOnly = thresholdMetrics({0, 0}, {0.2, 0.7}, 0.5);
  EXPECT_TRUE(std::isnan(negativesOnly.sensitivity));
  EXPECT_TRUE(std::isnan(negativesOnly.balancedAccuracy));
  EXPECT_DOUBLE_EQ(negativesOnly.specificity, 0.5);
  EXPECT_TRUE(std::isnan(thresholdMetrics({}, {}, 0.5).accuracy));
  EXPECT_THROW(thresholdMetrics({0, 1}, {0.2}, 0.5), ren::InputError);
}

// ---- Youden threshold ----

TEST(YoudenThreshold, UniqueMaximum) {
  // P = 4, N = 3. J(t) = TPR - FPR at each distinct score:
  //   0.1: 1 - 1 = 0;  0.3: 1 - 2/3 = 1/3;  0.35: 1 - 1/3 = 2/3;  0.5: 3/4 - 1/3 = 5/12;
  //   0.6: 3/4 - 0 = 3/4 (the maximum);  0.7: 1/2;  0.9: 1/4.
  EXPECT_DOUBLE_EQ(youdenThreshold({0, 0, 1, 0, 1, 1, 1}, {0.1, 0.3, 0.35, 0.5, 0.6, 0.7, 0.9}), 0.6);
  // Perfect separation: the lowest positive score.
  EXPECT_DOUBLE_EQ(youdenThreshold({0, 0, 1, 1}, {0.1, 0.2, 0.7, 0.9}), 0.7);
}

TEST(YoudenThreshold, TiesPreferClosestToHalfThenSmaller) {
  // J(0.35) = 1 - 1/2 = 1/2 and J(0.8) = 1/2 - 0 = 1/2: 0.35 is closer to 0.5.
  EXPECT_DOUBLE_EQ(youdenThreshold({0, 0, 1, 1}, {0.1, 0.4, 0.35, 0.8}), 0.35);
  // J(0.25) = 1 - 1/2 = 1/2 and J(0.75) = 1/2 - 0 = 1/2, both 0.25 from 0.5: the smaller wins.
  EXPECT_DOUBLE_EQ(youdenThreshold({0, 1, 0, 1}, {0.1, 0.25, 0.5, 0.75}), 0.25);
}

TEST(YoudenThreshold, HalfWhenAClassIsAbsent) {
  EXPECT_DOUBLE_EQ(youdenThreshold({0, 0}, {0.1, 0.9}), 0.5);
  EXPECT_DOUBLE_EQ(youdenThreshold({1, 1}, {0.1, 0.9}), 0.5);
  EXPECT_DOUBLE_EQ(youdenThreshold({}, {}), 0.5);
  EXPECT_THROW(youdenThreshold({0, 1}, {0.1, kNaN}), ren::InputError);
}

// ---- all metrics and JSON ----

TEST(BinaryMetrics, CollectsEveryMetric) {
  const BinaryMetrics m = binaryMetrics(kTieLabels, kTieScores, 0.4);
  EXPECT_EQ(m.n, 5);
  EXPECT_EQ(m.positives, 3);
  EXPECT_EQ(m.negatives, 2);
  EXPECT_DOUBLE_EQ(m.auc, 5.5 / 6.0);
  EXPECT_NEAR(m.averagePrecision, 11.0 / 12.0, 1e-15);
  // (0.2^2 + 0.1^2 + 0.6^2 + 0.4^2 + 0.4^2) / 5 = (0.04 + 0.01 + 0.36 + 0.16 + 0.16) / 5 = 0.146
  EXPECT_NEAR(m.brier, 0.146, 1e-12);
  EXPECT_NEAR(m.logLoss, -(std::log(0.8) + std::log(0.9) + std::log(0.4) + std::log(0.6) + std::log(0.6)) / 5, 1e-12);
  EXPECT_EQ(m.atHalf.threshold, 0.5);
  EXPECT_EQ(m.atHalf.tp, 2);
  EXPECT_EQ(m.atYouden.threshold, 0.4);
  EXPECT_EQ(m.atYouden.tp, 3);
  EXPECT_THROW(binaryMetrics({0, 1}, {0.2, 1.2}, 0.5), ren::InputError);
}

TEST(BinaryMetrics, JsonHasTheDocumentedKeysAndNullForNaN) {
  const nlohmann::json j = toJson(binaryMetrics(kTieLabels, kTieScores, 0.4));
  EXPECT_EQ(keysOf(j), (std::set<std::string>{"n", "positives", "negatives", "auc", "average_precision", "brier",
                                              "log_loss", "at_0.5", "at_youden"}));
  const std::set<std::string> thresholdKeys{"threshold", "tp", "fp", "tn", "fn", "accuracy", "sensitivity",
                                            "specificity", "precision", "f1", "balanced_accuracy"};
  EXPECT_EQ(keysOf(j.at("at_0.5")), thresholdKeys);
  EXPECT_EQ(keysOf(j.at("at_youden")), thresholdKeys);
  EXPECT_EQ(j.at("n").get<std::int64_t>(), 5);
  EXPECT_DOUBLE_EQ(j.at("auc").get<double>(), 5.5 / 6.0);
  EXPECT_EQ(j.at("at_0.5").at("tp").get<std::int64_t>(), 2);
  EXPECT_DOUBLE_EQ(j.at("at_youden").at("threshold").get<double>(), 0.4);
  EXPECT_DOUBLE_EQ(j.at("at_youden").at("f1").get<double>(), 6.0 / 7.0);

  // Negatives only: AUC, AP, sensitivity, balanced accuracy are NaN -> null.
  const nlohmann::json empty = toJson(binaryMetrics({0, 0}, {0.2, 0.7}, 0.5));
  EXPECT_TRUE(empty.at("auc").is_null());
  EXPECT_TRUE(empty.at("average_precision").is_null());
  EXPECT_TRUE(empty.at("at_0.5").at("sensitivity").is_null());
  EXPECT_TRUE(empty.at("at_0.5").at("balanced_accuracy").is_null());
  EXPECT_FALSE(empty.at("at_0.5").at("specificity").is_null());
  EXPECT_EQ(empty.dump().find("NaN"), std::string::npos);
  EXPECT_NE(empty.dump().find("\"auc\":null"), std::string::npos);
}
