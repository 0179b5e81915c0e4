// Feature-based (radiomics-guided) strategies (METHOD.md section 6, 7-8).
#include <algorithm>
#include <cmath>

#include "StrategySupport.h"
#include "ren/core/Error.h"

namespace ren::gating {

namespace {

using Fit = std::unique_ptr<GatingModel>;

/// The reference code's mapping of a radiomics expert's AUC to a weight.
double radiomicsPowerWeight(double auc) { return std::max(0.1, 0.1 + 3.8 * (auc - 0.5)); }

Fit radiomicsPower(const ScanRows& rows, const ExpertSet& experts, const GatingOptions&) {
  std::vector<double> w(rows.probs.cols);
  for (std::size_t k = 0; k < w.size(); ++k) {
    const double auc = k < experts.radiomicsAuc.size() ? experts.radiomicsAuc[k] : std::nan("");
    if (!std::isfinite(auc)) {
      throw StrategyUnavailable("needs the validation AUC of the xgb expert of region " +
                                (k < experts.names.size() ? experts.names[k] : std::to_string(k)) +
                                " (train.experts must include xgb)");
    }
    w[k] = radiomicsPowerWeight(auc);
  }
  return std::make_unique<StaticWeights>(w, nlohmann::json{{"radiomics_auc", experts.radiomicsAuc}});
}

/// w_k(x) proportional to eps + mean_j |z_kj(x)|.
class MagnitudeWeights : public GatingModel {
 public:
  explicit MagnitudeWeights(double eps) : eps_(eps) {}
  Matrix weights(const ScanRows& rows) const override {
    if (rows.abnormality.rows != rows.size() || rows.abnormality.cols != rows.probs.cols)
      throw InputError("magnitude_based: the scans have no radiomics abnormality for every expert");
    Matrix w(rows.size(), rows.probs.cols);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::vector<double> raw(rows.probs.cols);
      for (std::size_t k = 0; k < raw.size(); ++k) raw[k] = eps_ + rows.abnormality(i, k);
      const auto n = normalisedWeights(raw);
      std::copy(n.begin(), n.end(), w.row(i));
    }
    return w;
  }
  nlohmann::json parameters() const override { return {{"epsilon", eps_}}; }

 private:
  double eps_;
};

Fit magnitudeBased(const ScanRows& rows, const ExpertSet&, const GatingOptions& options) {
  if (rows.abnormality.cols != rows.probs.cols || rows.abnormality.rows != rows.size()) {
    throw StrategyUnavailable("needs the radiomics features of every scan (RUN/radiomics/features.csv)");
  }
  return std::make_unique<MagnitudeWeights>(options.magnitudeEps);
}

}  // namespace

std::vector<GatingStrategy> featureStrategies() {
  return {
      {"radiomics_power", "feature",
       "w_k proportional to max(0.1, 0.1 + 3.8 (AUC_rad,k - 0.5)), AUC_rad,k = validation AUC of the region's xgb expert",
       false, false, false, radiomicsPower},
      {"magnitude_based", "feature",
       "w_k(x) proportional to eps + mean_j |z_kj(x)|, z = the region's radiomics standardised by training controls",
       true, false, false, magnitudeBased},
  };
}

}  // namespace ren::gating
