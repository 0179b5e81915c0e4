#include "ren/stats/DeLong.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>

#include "Midranks.h"
#include "ren/core/Error.h"
#include "ren/stats/Distributions.h"

namespace ren::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Labels 0/1, every model's scores as many as the labels and finite, at least 2 of each class.
void checkInputs(const char* function, const std::vector<int>& labels,
                 const std::vector<std::vector<double>>& scoresPerModel) {
  const std::string where(function);
  if (scoresPerModel.empty()) throw InputError(where + ": no model given");
  std::int64_t positives = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1) {
      throw InputError(where + ": label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                       " (allowed: 0, 1)");
    }
    positives += labels[i];
  }
  for (std::size_t k = 0; k < scoresPerModel.size(); ++k) {
    const std::vector<double>& scores = scoresPerModel[k];
    if (scores.size() != labels.size()) {
      throw InputError(where + ": model " + std::to_string(k + 1) + " has " + std::to_string(scores.size()) +
                       " scores but there are " + std::to_string(labels.size()) + " labels");
    }
    for (std::size_t i = 0; i < scores.size(); ++i) {
      if (!std::isfinite(scores[i])) {
        throw InputError(where + ": score of model " + std::to_string(k + 1) + " at index " + std::to_string(i) +
                         " is not finite");
      }
    }
  }
  const std::int64_t negatives = static_cast<std::int64_t>(labels.size()) - positives;
  if (positives < 2 || negatives < 2) {
    throw InputError(where + ": DeLong's variance needs at least 2 positives and 2 negatives (got " +
                     std::to_string(positives) + " positives, " + std::to_string(negatives) + " negatives)");
  }
  // Twice-placement sums up to 2 m n must stay exact in a double.
  if (2.0 * static_cast<double>(positives) * static_cast<double>(negatives) > 0x1.0p52) {
    throw InputError(where + ": too many scans for exact DeLong arithmetic (" + std::to_string(positives) +
                     " positives x " + std::to_string(negatives) + " negatives)");
  }
}

void checkLevel(const char* function, double level) {
  if (!(level > 0.0 && level < 1.0)) {
    throw InputError(std::string(function) + ": confidence level " + std::to_string(level) +
                     " is not in the open interval (0, 1)");
  }
}

/// DeLong's structural components of K models in exact integer form (Sun & Xu's midrank
/// algorithm). With D = 2 m n, the placement of positive i under model k minus that model's AUC is
/// positive[k][i] / D (V10 - AUC), and likewise negative[k][j] / D for negative j (V01 - AUC).
struct Components {
  std::int64_t m = 0, n = 0;  ///< positives, negatives
  std::vector<double> auc;
  std::vector<std::vector<std::int64_t>> positive, negative;

  double scale() const { return 2.0 * static_cast<double>(m) * static_cast<double>(n); }
};

Components structuralComponents(const std::vector<int>& labels, const std::vector<std::vector<double>>& scoresPerModel) {
  Components c;
  std::vector<std::size_t> positiveIndex, negativeIndex;
  for (std::size_t i = 0; i < labels.size(); ++i) (labels[i] == 1 ? positiveIndex : negativeIndex).push_back(i);
  c.m = static_cast<std::int64_t>(positiveIndex.size());
  c.n = static_cast<std::int64_t>(negativeIndex.size());
  for (const std::vector<double>& scores : scoresPerModel) {
    std::vector<double> positiveScores, negativeScores;
    for (std::size_t i : positiveIndex) positiveScores.push_back(scores[i]);
    for (std::size_t j : negativeIndex) negativeScores.push_back(scores[j]);
    const auto overall = detail::doubledMidranks(scores);                // 2 tz
    const auto amongPositives = detail::doubledMidranks(positiveScores);  // 2 tx
    const auto amongNegatives = detail::doubledMidranks(negativeScores);  // 2 ty
    // Twice the placements: 2 * (#negatives below + #tied / 2) for a positive, and
    // 2 * (#positives above + #tied / 2) for a negative. Both sum to twice the number of wins.
    std::vector<std::int64_t> positivePlacement(positiveIndex.size()), negativePlacement(negativeIndex.size());
    std::int64_t twiceWins = 0;
    for (std::size_t i = 0; i < positiveIndex.size(); ++i) {
      positivePlacement[i] = overall[positiveIndex[i]] - amongPositives[i];
      twiceWins += positivePlacement[i];
    }
    for (std::size_t j = 0; j < negativeIndex.size(); ++j) {
      negativePlacement[j] = 2 * c.m - (overall[negativeIndex[j]] - amongNegatives[j]);
    }
    c.auc.push_back(std::clamp(static_cast<double>(twiceWins) / c.scale(), 0.0, 1.0));
    // Centred and scaled to integers: m * P10_i - sum P10 = D (V10_i - AUC), and n * P01_j - sum P01
    // = D (V01_j - AUC).
    for (auto& p : positivePlacement) p = c.m * p - twiceWins;
    for (auto& p : negativePlacement) p = c.n * p - twiceWins;
    c.positive.push_back(std::move(positivePlacement));
    c.negative.push_back(std::move(negativePlacement));
  }
  return c;
}

double crossSum(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return sum;
}

/// DeLong covariance S10/m + S01/n of linear combinations given by their centred integer
/// components (rows of `positive` / `negative`).
std::vector<std::vector<double>> covarianceOf(const std::vector<std::vector<std::int64_t>>& positive,
                                              const std::vector<std::vector<std::int64_t>>& negative,
                                              std::int64_t m, std::int64_t n, double scale) {
  const std::size_t k = positive.size();
  const auto md = static_cast<double>(m), nd = static_cast<double>(n);
  const double positiveDenominator = scale * scale * (md - 1.0) * md;
  const double negativeDenominator = scale * scale * (nd - 1.0) * nd;
  std::vector<std::vector<double>> s(k, std::vector<double>(k, 0.0));
  for (std::size_t a = 0; a < k; ++a) {
    for (std::size_t b = a; b < k; ++b) {
      s[a][b] = s[b][a] = crossSum(positive[a], positive[b]) / positiveDenominator +
                          crossSum(negative[a], negative[b]) / negativeDenominator;
    }
  }
  return s;
}

/// Components of the contrasts model[first] - model[second] (exact integer differences).
void contrastComponents(const Components& c, const std::vector<std::pair<std::size_t, std::size_t>>& contrasts,
                        std::vector<std::vector<std::int64_t>>& positive,
                        std::vector<std::vector<std::int64_t>>& negative) {
  positive.clear();
  negative.clear();
  for (const auto& [first, second] : contrasts) {
    std::vector<std::int64_t> p(c.positive[first].size()), q(c.negative[first].size());
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = c.positive[first][i] - c.positive[second][i];
    for (std::size_t j = 0; j < q.size(); ++j) q[j] = c.negative[first][j] - c.negative[second][j];
    positive.push_back(std::move(p));
    negative.push_back(std::move(q));
  }
}

}  // namespace

DeLongEstimate delong(const std::vector<int>& labels, const std::vector<std::vector<double>>& scoresPerModel) {
  checkInputs("delong", labels, scoresPerModel);
  const Components c = structuralComponents(labels, scoresPerModel);
  DeLongEstimate e;
  e.auc = c.auc;
  e.covariance = covarianceOf(c.positive, c.negative, c.m, c.n, c.scale());
  e.positives = c.m;
  e.negatives = c.n;
  return e;
}

AucInterval delongCi(const std::vector<int>& labels, const std::vector<double>& scores, double level) {
  checkLevel("delongCi", level);
  checkInputs("delongCi", labels, {scores});
  const DeLongEstimate e = delong(labels, {scores});
  AucInterval ci;
  ci.auc = e.auc[0];
  ci.variance = e.covariance[0][0];
  ci.level = level;
  // As pROC's ci.auc: qnorm(c(alpha / 2, 1 - alpha / 2), mean = auc, sd = sqrt(var)), clamped.
  const double sd = std::sqrt(ci.variance);
  ci.lower = std::clamp(ci.auc + sd * normalQuantile((1.0 - level) / 2.0), 0.0, 1.0);
  ci.upper = std::clamp(ci.auc + sd * normalQuantile(1.0 - (1.0 - level) / 2.0), 0.0, 1.0);
  return ci;
}

AucComparison pairedDeLongTest(const std::vector<int>& labels, const std::vector<double>& scores1,
                               const std::vector<double>& scores2, double level) {
  checkLevel("pairedDeLongTest", level);
  checkInputs("pairedDeLongTest", labels, {scores1, scores2});
  const Components c = structuralComponents(labels, {scores1, scores2});
  // Var(AUC1 - AUC2) = S11 + S22 - 2 S12, computed from the differences of the components so that
  // it is exactly 0 when (and only when) the two models have the same placements.
  std::vector<std::vector<std::int64_t>> positive, negative;
  contrastComponents(c, {{0, 1}}, positive, negative);
  const double variance = covarianceOf(positive, negative, c.m, c.n, c.scale())[0][0];
  if (!(variance > 0.0)) {
    throw InputError(
        "pairedDeLongTest: the variance of the AUC difference is 0 (the two models place every scan alike, e.g. "
        "identical rankings or both separating the classes perfectly); the paired DeLong test is undefined");
  }
  AucComparison r;
  r.auc1 = c.auc[0];
  r.auc2 = c.auc[1];
  r.difference = r.auc1 - r.auc2;
  const double sd = std::sqrt(variance);
  r.statistic = r.difference / sd;
  r.df = kNaN;
  r.pValue = std::min(1.0, 2.0 * normalCdf(-std::abs(r.statistic)));
  const double z = normalQuantile(1.0 - (1.0 - level) / 2.0);  // as pROC's ci.delong.paired
  r.lower = r.difference - z * sd;
  r.upper = r.difference + z * sd;
  r.method = "DeLong paired (Z)";
  return r;
}

AucComparison unpairedDeLongTest(const std::vector<int>& labels1, const std::vector<double>& scores1,
                                 const std::vector<int>& labels2, const std::vector<double>& scores2) {
  checkInputs("unpairedDeLongTest (first data set)", labels1, {scores1});
  checkInputs("unpairedDeLongTest (second data set)", labels2, {scores2});
  const DeLongEstimate first = delong(labels1, {scores1});
  const DeLongEstimate second = delong(labels2, {scores2});
  const double v1 = first.covariance[0][0], v2 = second.covariance[0][0];
  if (!(v1 + v2 > 0.0)) {
    throw InputError("unpairedDeLongTest: both AUC variances are 0 (both models separate their classes "
                     "perfectly); the unpaired DeLong test is undefined");
  }
  AucComparison r;
  r.auc1 = first.auc[0];
  r.auc2 = second.auc[0];
  r.difference = r.auc1 - r.auc2;
  // pROC's delong.unpaired.test: D = (AUC1 - AUC2) / sqrt(V1 + V2) with Welch-Satterthwaite-like
  // df = (V1 + V2)^2 / (V1^2 / (N1 - 1) + V2^2 / (N2 - 1)), N = all scans of a data set.
  r.statistic = r.difference / std::sqrt(v1 + v2);
  const auto n1 = static_cast<double>(labels1.size()), n2 = static_cast<double>(labels2.size());
  r.df = (v1 + v2) * (v1 + v2) / (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0));
  r.pValue = std::min(1.0, 2.0 * studentTCdf(-std::abs(r.statistic), r.df));
  r.lower = r.upper = kNaN;
  r.method = "DeLong unpaired (D)";
  return r;
}

AucEqualityTest delongEqualityTest(const std::vector<int>& labels, const std::vector<std::vector<double>>& scoresPerModel) {
  checkInputs("delongEqualityTest", labels, scoresPerModel);
  const std::size_t k = scoresPerModel.size();
  if (k < 2) throw InputError("delongEqualityTest: needs at least 2 models (got " + std::to_string(k) + ")");
  const Components c = structuralComponents(labels, scoresPerModel);
  std::vector<std::pair<std::size_t, std::size_t>> contrasts;
  for (std::size_t r = 0; r + 1 < k; ++r) contrasts.emplace_back(r, r + 1);
  std::vector<std::vector<std::int64_t>> positive, negative;
  contrastComponents(c, contrasts, positive, negative);
  // L S L' from the exact contrast components; solve (L S L') x = L a by Cholesky.
  std::vector<std::vector<double>> a = covarianceOf(positive, negative, c.m, c.n, c.scale());
  const std::size_t q = contrasts.size();
  std::vector<double> diagonal(q);
  for (std::size_t i = 0; i < q; ++i) diagonal[i] = a[i][i];
  for (std::size_t j = 0; j < q; ++j) {
    double pivot = a[j][j];
    for (std::size_t p = 0; p < j; ++p) pivot -= a[j][p] * a[j][p];
    if (!(pivot > 1e-10 * diagonal[j])) {
      throw InputError("delongEqualityTest: the covariance of the AUC differences is singular (model " +
                       std::to_string(j + 2) +
                       " adds no independent information, e.g. two models rank the scans identically)");
    }
    a[j][j] = std::sqrt(pivot);
    for (std::size_t i = j + 1; i < q; ++i) {
      double v = a[i][j];
      for (std::size_t p = 0; p < j; ++p) v -= a[i][p] * a[j][p];
      a[i][j] = v / a[j][j];
    }
  }
  // chi2 = |L^-1 (L a)|^2 with the Cholesky factor (forward substitution).
  std::vector<double> w(q);
  double chiSquare = 0;
  for (std::size_t i = 0; i < q; ++i) {
    double v = c.auc[i] - c.auc[i + 1];
    for (std::size_t p = 0; p < i; ++p) v -= a[i][p] * w[p];
    w[i] = v / a[i][i];
    chiSquare += w[i] * w[i];
  }
  AucEqualityTest t;
  t.chiSquare = chiSquare;
  t.df = static_cast<int>(q);
  t.pValue = chiSquareSurvival(chiSquare, static_cast<double>(q));
  return t;
}

}  // namespace ren::stats
