#include "ren/stats/BinaryMetrics.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <string>

#include "ren/core/Error.h"

namespace ren::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Sizes equal, labels 0/1, scores finite; otherwise InputError naming the metric and the element.
void checkInputs(const char* metric, const std::vector<int>& labels, const std::vector<double>& scores) {
  if (labels.size() != scores.size()) {
    throw InputError(std::string(metric) + ": " + std::to_string(labels.size()) + " labels but " +
                     std::to_string(scores.size()) + " scores");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1) {
      throw InputError(std::string(metric) + ": label " + std::to_string(labels[i]) + " at index " +
                       std::to_string(i) + " (allowed: 0, 1)");
    }
    if (!std::isfinite(scores[i])) {
      throw InputError(std::string(metric) + ": score at index " + std::to_string(i) + " is not finite");
    }
  }
}

/// As checkInputs, and every score must be a probability in [0, 1].
void checkProbabilities(const char* metric, const std::vector<int>& labels, const std::vector<double>& scores) {
  checkInputs(metric, labels, scores);
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (scores[i] < 0.0 || scores[i] > 1.0) {
      throw InputError(std::string(metric) + ": score " + std::to_string(scores[i]) + " at index " +
                       std::to_string(i) + " is not a probability in [0, 1]");
    }
  }
}

std::int64_t countPositives(const std::vector<int>& labels) {
  return std::count(labels.begin(), labels.end(), 1);
}

/// Indices of `scores` sorted by descending score (stable, so the order is reproducible).
std::vector<std::size_t> descendingOrder(const std::vector<double>& scores) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  return order;
}

/// One group of equal scores, walked from the highest score down: the counts inside the group and
/// the cumulative counts at or above its score.
struct ScoreGroup {
  double score = 0;
  std::int64_t positives = 0, negatives = 0;        ///< in this group
  std::int64_t tpAtOrAbove = 0, fpAtOrAbove = 0;    ///< predicted positive with threshold = score
};

std::vector<ScoreGroup> descendingGroups(const std::vector<int>& labels, const std::vector<double>& scores) {
  const auto order = descendingOrder(scores);
  std::vector<ScoreGroup> groups;
  std::int64_t tp = 0, fp = 0;
  for (std::size_t k = 0; k < order.size();) {
    ScoreGroup g;
    g.score = scores[order[k]];
    while (k < order.size() && scores[order[k]] == g.score) {
      (labels[order[k]] == 1 ? g.positives : g.negatives) += 1;
      ++k;
    }
    tp += g.positives;
    fp += g.negatives;
    g.tpAtOrAbove = tp;
    g.fpAtOrAbove = fp;
    groups.push_back(g);
  }
  return groups;
}

double ratio(double num, double den) { return den == 0 ? kNaN : num / den; }

}  // namespace

double rocAuc(const std::vector<int>& labels, const std::vector<double>& scores) {
  checkInputs("rocAuc", labels, scores);
  const std::int64_t positives = countPositives(labels);
  const std::int64_t negatives = static_cast<std::int64_t>(labels.size()) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  // Walking down the scores: each positive in a group beats every negative below the group and ties
  // with the negatives inside it (counted 1/2). Twice the count keeps the sum integral.
  std::int64_t twiceWins = 0;
  std::int64_t negativesAbove = 0;
  for (const ScoreGroup& g : descendingGroups(labels, scores)) {
    const std::int64_t negativesBelow = negatives - negativesAbove - g.negatives;
    twiceWins += 2 * g.positives * negativesBelow + g.positives * g.negatives;
    negativesAbove += g.negatives;
  }
  const double auc = static_cast<double>(twiceWins) / (2.0 * static_cast<double>(positives) * static_cast<double>(negatives));
  return std::clamp(auc, 0.0, 1.0);
}

double averagePrecision(const std::vector<int>& labels, const std::vector<double>& scores) {
  checkInputs("averagePrecision", labels, scores);
  const std::int64_t positives = countPositives(labels);
  if (positives == 0) return kNaN;
  double ap = 0;
  std::int64_t previousTp = 0;
  for (const ScoreGroup& g : descendingGroups(labels, scores)) {
    // (R_n - R_{n-1}) * P_n; groups without positives add nothing.
    if (g.tpAtOrAbove != previousTp) {
      const double recallStep = static_cast<double>(g.tpAtOrAbove - previousTp) / static_cast<double>(positives);
      const double precision = static_cast<double>(g.tpAtOrAbove) / static_cast<double>(g.tpAtOrAbove + g.fpAtOrAbove);
      ap += recallStep * precision;
      previousTp = g.tpAtOrAbove;
    }
  }
  return std::min(1.0, std::max(0.0, ap));  // the sum of steps can round past 1
}

double brierScore(const std::vector<int>& labels, const std::vector<double>& scores) {
  checkProbabilities("brierScore", labels, scores);
  if (labels.empty()) return kNaN;
  double sum = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double d = scores[i] - labels[i];
    sum += d * d;
  }
  return sum / static_cast<double>(labels.size());
}

double logLoss(const std::vector<int>& labels, const std::vector<double>& scores) {
  checkProbabilities("logLoss", labels, scores);
  if (labels.empty()) return kNaN;
  constexpr double kEps = 1e-7;
  double sum = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double p = std::clamp(scores[i], kEps, 1.0 - kEps);
    sum -= labels[i] == 1 ? std::log(p) : std::log(1.0 - p);
  }
  return sum / static_cast<double>(labels.size());
}

ThresholdMetrics thresholdMetrics(const std::vector<int>& labels, const std::vector<double>& scores, double threshold) {
  checkInputs("thresholdMetrics", labels, scores);
  if (std::isnan(threshold)) throw InputError("thresholdMetrics: threshold is NaN");
  ThresholdMetrics m;
  m.threshold = threshold;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const bool predicted = scores[i] >= threshold;
    if (labels[i] == 1) {
      (predicted ? m.tp : m.fn) += 1;
    } else {
      (predicted ? m.fp : m.tn) += 1;
    }
  }
  const auto tp = static_cast<double>(m.tp), fp = static_cast<double>(m.fp);
  const auto tn = static_cast<double>(m.tn), fn = static_cast<double>(m.fn);
  m.accuracy = ratio(tp + tn, tp + tn + fp + fn);
  m.sensitivity = ratio(tp, tp + fn);
  m.specificity = ratio(tn, tn + fp);
  m.precision = ratio(tp, tp + fp);
  m.f1 = ratio(2 * tp, 2 * tp + fp + fn);
  m.balancedAccuracy = (m.sensitivity + m.specificity) / 2;  // NaN when either is NaN
  return m;
}

double youdenThreshold(const std::vector<int>& labels, const std::vector<double>& scores) {
  checkInputs("youdenThreshold", labels, scores);
  const std::int64_t positives = countPositives(labels);
  const std::int64_t negatives = static_cast<std::int64_t>(labels.size()) - positives;
  if (positives == 0 || negatives == 0) return 0.5;
  // J * P * N = tp * N - fp * P: compared as integers so equal J values tie exactly.
  bool found = false;
  std::int64_t bestScaledJ = 0;
  double best = 0.5;
  for (const ScoreGroup& g : descendingGroups(labels, scores)) {
    const std::int64_t scaledJ = g.tpAtOrAbove * negatives - g.fpAtOrAbove * positives;
    const double distance = std::abs(g.score - 0.5), bestDistance = std::abs(best - 0.5);
    const bool better = !found || scaledJ > bestScaledJ ||
                        (scaledJ == bestScaledJ && (distance < bestDistance || (distance == bestDistance && g.score < best)));
    if (better) {
      found = true;
      bestScaledJ = scaledJ;
      best = g.score;
    }
  }
  return best;
}

BinaryMetrics binaryMetrics(const std::vector<int>& labels, const std::vector<double>& scores, double youden) {
  checkProbabilities("binaryMetrics", labels, scores);
  BinaryMetrics m;
  m.n = static_cast<std::int64_t>(labels.size());
  m.positives = countPositives(labels);
  m.negatives = m.n - m.positives;
  m.auc = rocAuc(labels, scores);
  m.averagePrecision = averagePrecision(labels, scores);
  m.brier = brierScore(labels, scores);
  m.logLoss = logLoss(labels, scores);
  m.atHalf = thresholdMetrics(labels, scores, 0.5);
  m.atYouden = thresholdMetrics(labels, scores, youden);
  return m;
}

namespace {

nlohmann::json numberOrNull(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }

nlohmann::json thresholdJson(const ThresholdMetrics& t) {
  return nlohmann::json{{"threshold", numberOrNull(t.threshold)},
                        {"tp", t.tp},
                        {"fp", t.fp},
                        {"tn", t.tn},
                        {"fn", t.fn},
                        {"accuracy", numberOrNull(t.accuracy)},
                        {"sensitivity", numberOrNull(t.sensitivity)},
                        {"specificity", numberOrNull(t.specificity)},
                        {"precision", numberOrNull(t.precision)},
                        {"f1", numberOrNull(t.f1)},
                        {"balanced_accuracy", numberOrNull(t.balancedAccuracy)}};
}

}  // namespace

nlohmann::json toJson(const BinaryMetrics& m) {
  return nlohmann::json{{"n", m.n},
                        {"positives", m.positives},
                        {"negatives", m.negatives},
                        {"auc", numberOrNull(m.auc)},
                        {"average_precision", numberOrNull(m.averagePrecision)},
                        {"brier", numberOrNull(m.brier)},
                        {"log_loss", numberOrNull(m.logLoss)},
                        {"at_0.5", thresholdJson(m.atHalf)},
                        {"at_youden", thresholdJson(m.atYouden)}};
}

}  // namespace ren::stats
