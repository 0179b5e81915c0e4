// Performance-based strategies (METHOD.md section 6, 1-6): weights from each expert's validation
// predictions.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "StrategySupport.h"
#include "ren/stats/BinaryMetrics.h"

namespace ren::gating {

namespace {

using Fit = std::unique_ptr<GatingModel>;

/// Average ranks (1 = smallest) of `values`; NaN ranks lowest.
std::vector<double> averageRanks(const std::vector<double>& values) {
  const std::size_t n = values.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto key = [&](std::size_t i) { return std::isfinite(values[i]) ? values[i] : -1e300; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  std::vector<double> ranks(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && key(order[j + 1]) == key(order[i])) ++j;
    const double r = 0.5 * static_cast<double>(i + j) + 1.0;
    for (std::size_t t = i; t <= j; ++t) ranks[order[t]] = r;
    i = j + 1;
  }
  return ranks;
}

Fit uniform(const ScanRows& rows, const ExpertSet&, const GatingOptions&) {
  return std::make_unique<StaticWeights>(std::vector<double>(rows.probs.cols, 1.0));
}

Fit valAucLinear(const ScanRows& rows, const ExpertSet&, const GatingOptions&) {
  const auto aucs = expertAucs(rows);
  return std::make_unique<StaticWeights>(aucs, nlohmann::json{{"expert_val_auc", aucs}});
}

Fit valAucSoftmax(const ScanRows& rows, const ExpertSet&, const GatingOptions& options) {
  const auto aucs = expertAucs(rows);
  double bestTau = options.softmaxTaus.empty() ? 0.1 : options.softmaxTaus.back();
  std::vector<double> best(aucs.size(), 1.0);
  bool finiteAucs = std::all_of(aucs.begin(), aucs.end(), [](double a) { return std::isfinite(a); });
  if (finiteAucs) {
    double bestScore = -1;
    // Largest tau first: on a tie the smoother weighting wins.
    std::vector<double> taus = options.softmaxTaus;
    std::sort(taus.rbegin(), taus.rend());
    for (double tau : taus) {
      std::vector<double> z(aucs.size());
      for (std::size_t k = 0; k < aucs.size(); ++k) z[k] = aucs[k] / tau;
      const auto w = softmax(z);
      const double score = ensembleAuc(rows, w);
      if (score > bestScore) {
        bestScore = score;
        bestTau = tau;
        best = w;
      }
    }
  }
  return std::make_unique<StaticWeights>(best, nlohmann::json{{"tau", bestTau}, {"expert_val_auc", aucs}});
}

Fit valAucRank(const ScanRows& rows, const ExpertSet&, const GatingOptions&) {
  const auto aucs = expertAucs(rows);
  const bool finiteAucs = std::all_of(aucs.begin(), aucs.end(), [](double a) { return std::isfinite(a); });
  return std::make_unique<StaticWeights>(finiteAucs ? averageRanks(aucs) : std::vector<double>(aucs.size(), 1.0),
                                         nlohmann::json{{"expert_val_auc", aucs}});
}

Fit valAucTopK(const ScanRows& rows, const ExpertSet&, const GatingOptions&) {
  const auto aucs = expertAucs(rows);
  const std::size_t K = aucs.size();
  const bool finiteAucs = std::all_of(aucs.begin(), aucs.end(), [](double a) { return std::isfinite(a); });
  if (!finiteAucs) return std::make_unique<StaticWeights>(std::vector<double>(K, 1.0), nlohmann::json{{"k", K}});
  std::vector<std::size_t> order(K);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return aucs[a] > aucs[b]; });
  std::vector<double> best;
  std::size_t bestK = K;
  double bestScore = -1;
  for (std::size_t k = K; k >= 1; --k) {  // largest k first: on a tie the broader ensemble wins
    std::vector<double> w(K, 0.0);
    for (std::size_t t = 0; t < k; ++t) w[order[t]] = 1.0;
    const double score = ensembleAuc(rows, normalisedWeights(w));
    if (score > bestScore) {
      bestScore = score;
      bestK = k;
      best = w;
    }
  }
  return std::make_unique<StaticWeights>(best, nlohmann::json{{"k", bestK}, {"expert_val_auc", aucs}});
}

Fit inverseValLoss(const ScanRows& rows, const ExpertSet&, const GatingOptions&) {
  std::vector<double> w(rows.probs.cols), losses(rows.probs.cols);
  for (std::size_t k = 0; k < w.size(); ++k) {
    losses[k] = stats::logLoss(rows.labels, expertColumn(rows, k));
    w[k] = 1.0 / std::max(losses[k], 1e-12);
  }
  return std::make_unique<StaticWeights>(w, nlohmann::json{{"expert_val_log_loss", losses}});
}

}  // namespace

std::vector<GatingStrategy> performanceStrategies() {
  return {
      {"uniform", "performance", "w_k = 1/K", false, false, false, uniform},
      {"val_auc_linear", "performance", "w_k proportional to AUC_val,k", false, false, false, valAucLinear},
      {"val_auc_softmax", "performance",
       "w = softmax(AUC_val / tau), tau chosen on validation from gating.softmax_taus", false, true, false, valAucSoftmax},
      {"val_auc_rank", "performance", "w_k proportional to the rank of AUC_val,k (1 = worst, K = best)", false, false,
       false, valAucRank},
      {"val_auc_topk", "performance", "equal weights on the k best experts by AUC_val, k chosen on validation", false,
       true, false, valAucTopK},
      {"inverse_val_loss", "performance", "w_k proportional to 1 / validation log-loss_k", false, false, false,
       inverseValLoss},
  };
}

}  // namespace ren::gating
