#pragma once
// Metrics of a binary classifier (METHOD.md section 8): AUC with ties, average precision, Brier score,
// log-loss, and the threshold metrics (accuracy, sensitivity, specificity, precision, F1 of the
// positive class, balanced accuracy) at 0.5 and at the Youden threshold chosen on validation.
// No LibTorch. Labels are 0/1; scores are probabilities of class 1 (any real for AUC/AP).
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace ren::stats {

/// Area under the ROC curve (Mann-Whitney; a tie between a positive and a negative counts 1/2),
/// clamped to [0, 1]. NaN when either class is absent. Throws InputError when the sizes differ, a
/// label is not 0/1 or a score is not finite.
double rocAuc(const std::vector<int>& labels, const std::vector<double>& scores);

/// Average precision as scikit-learn defines it: sum over distinct thresholds (descending) of
/// (R_n - R_{n-1}) * P_n, clamped to [0, 1]. NaN when there is no positive.
double averagePrecision(const std::vector<int>& labels, const std::vector<double>& scores);

/// Mean of (score - label)^2 (scores must lie in [0, 1]).
double brierScore(const std::vector<int>& labels, const std::vector<double>& scores);

/// Mean binary cross-entropy with probabilities clipped to [1e-7, 1 - 1e-7].
double logLoss(const std::vector<int>& labels, const std::vector<double>& scores);

struct ThresholdMetrics {
  double threshold = 0.5;  ///< predicted positive when score >= threshold
  std::int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  double accuracy = 0, sensitivity = 0, specificity = 0, precision = 0, f1 = 0, balancedAccuracy = 0;
  ///< ratios with a zero denominator are NaN (e.g. sensitivity without positives)
};

/// Confusion counts and ratios at `threshold`.
ThresholdMetrics thresholdMetrics(const std::vector<int>& labels, const std::vector<double>& scores, double threshold);

/// The threshold maximising Youden's J = sensitivity + specificity - 1 over the candidate thresholds
/// (every distinct score; predicted positive when score >= t). Ties: the candidate closest to 0.5,
/// then the smaller. 0.5 when a class is absent.
double youdenThreshold(const std::vector<int>& labels, const std::vector<double>& scores);

struct BinaryMetrics {
  std::int64_t n = 0, positives = 0, negatives = 0;
  double auc = 0, averagePrecision = 0, brier = 0, logLoss = 0;
  ThresholdMetrics atHalf;    ///< threshold 0.5
  ThresholdMetrics atYouden;  ///< the given (validation-chosen) Youden threshold
};

/// All metrics of one prediction set; `youden` is the threshold chosen on VALIDATION (pass the
/// validation set's own youdenThreshold when scoring validation, the same value when scoring test).
BinaryMetrics binaryMetrics(const std::vector<int>& labels, const std::vector<double>& scores, double youden);

/// {"n","positives","negatives","auc","average_precision","brier","log_loss",
///  "at_0.5":{threshold,tp,fp,tn,fn,accuracy,sensitivity,specificity,precision,f1,balanced_accuracy},
///  "at_youden":{...}}; NaN is written as null.
nlohmann::json toJson(const BinaryMetrics& m);

}  // namespace ren::stats
