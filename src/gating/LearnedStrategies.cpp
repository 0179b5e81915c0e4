// Learned strategies (METHOD.md section 6, 9-11): parameters fitted on validation predictions by
// minimising the ensemble's log-loss (L-BFGS). Selection scores them by inner cross-validation.
#include <algorithm>
#include <cmath>

#include "Lbfgs.h"
#include "StrategySupport.h"
#include "ren/core/Error.h"

namespace ren::gating {

namespace {

using Fit = std::unique_ptr<GatingModel>;

double clipProb(double p) { return std::min(1.0 - kProbEps, std::max(kProbEps, p)); }
double logit(double p) {
  p = clipProb(p);
  return std::log(p / (1.0 - p));
}
double sigmoid(double s) { return s >= 0 ? 1.0 / (1.0 + std::exp(-s)) : std::exp(s) / (1.0 + std::exp(s)); }

/// Mean log-loss of `p` against `labels` and, in `dLdp`, its derivative per scan.
double meanLogLoss(const std::vector<int>& labels, const std::vector<double>& p, std::vector<double>& dLdp) {
  const double n = static_cast<double>(labels.size());
  double loss = 0;
  dLdp.resize(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double q = clipProb(p[i]);
    loss -= labels[i] == 1 ? std::log(q) : std::log(1.0 - q);
    dLdp[i] = (labels[i] == 1 ? -1.0 / q : 1.0 / (1.0 - q)) / n;
  }
  return loss / n;
}

// --- learned_softmax: w = softmax(theta) ----------------------------------------------------------

Fit learnedSoftmax(const ScanRows& rows, const ExpertSet&, const GatingOptions& options) {
  const std::size_t K = rows.probs.cols;
  if (!hasBothClasses(rows)) {
    return std::make_unique<StaticWeights>(std::vector<double>(K, 1.0), nlohmann::json{{"theta", std::vector<double>(K, 0.0)}});
  }
  const double lambda = options.learnedL2;
  auto objective = [&](const std::vector<double>& theta, std::vector<double>& grad) {
    const auto w = softmax(theta);
    const auto p = weightedProbs(rows, w);
    std::vector<double> dLdp;
    double f = meanLogLoss(rows.labels, p, dLdp);
    grad.assign(K, 0.0);
    for (std::size_t i = 0; i < rows.size(); ++i)
      for (std::size_t j = 0; j < K; ++j) grad[j] += dLdp[i] * w[j] * (rows.probs(i, j) - p[i]);
    for (std::size_t j = 0; j < K; ++j) {
      f += lambda * theta[j] * theta[j];
      grad[j] += 2.0 * lambda * theta[j];
    }
    return f;
  };
  const auto fit = minimiseLbfgs(objective, std::vector<double>(K, 0.0));
  return std::make_unique<StaticWeights>(softmax(fit.x), nlohmann::json{{"theta", fit.x}, {"lambda", lambda},
                                                                         {"iterations", fit.iterations}});
}

// --- stacking_logistic: L2 logistic regression on the expert logits -------------------------------

class StackingModel : public GatingModel {
 public:
  StackingModel(std::vector<double> beta, double c, int iterations) : beta_(std::move(beta)), c_(c), iterations_(iterations) {}
  Matrix weights(const ScanRows& rows) const override {
    std::vector<double> positive(beta_.begin() + 1, beta_.end());
    return StaticWeights(positive).weights(rows);
  }
  std::vector<double> predict(const ScanRows& rows) const override {
    std::vector<double> p(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      double s = beta_[0];
      for (std::size_t k = 0; k + 1 < beta_.size(); ++k) s += beta_[k + 1] * logit(rows.probs(i, k));
      p[i] = sigmoid(s);
    }
    return p;
  }
  nlohmann::json parameters() const override {
    return {{"intercept", beta_[0]}, {"coefficients", std::vector<double>(beta_.begin() + 1, beta_.end())}, {"C", c_},
            {"iterations", iterations_}};
  }

 private:
  std::vector<double> beta_;
  double c_;
  int iterations_;
};

Fit stackingLogistic(const ScanRows& rows, const ExpertSet&, const GatingOptions& options) {
  const std::size_t K = rows.probs.cols, n = rows.size();
  Matrix x(n, K);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < K; ++k) x(i, k) = logit(rows.probs(i, k));
  const double c = options.stackingC;
  auto objective = [&](const std::vector<double>& beta, std::vector<double>& grad) {
    grad.assign(K + 1, 0.0);
    double f = 0;
    const double nn = static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) {
      double s = beta[0];
      for (std::size_t k = 0; k < K; ++k) s += beta[k + 1] * x(i, k);
      // log(1 + e^s) - y s, stably
      const double softplus = s > 0 ? s + std::log1p(std::exp(-s)) : std::log1p(std::exp(s));
      f += (softplus - rows.labels[i] * s) / nn;
      const double r = (sigmoid(s) - rows.labels[i]) / nn;
      grad[0] += r;
      for (std::size_t k = 0; k < K; ++k) grad[k + 1] += r * x(i, k);
    }
    for (std::size_t k = 1; k <= K; ++k) {  // scikit-learn: C * sum(loss) + ||beta||^2 / 2, divided by n
      f += beta[k] * beta[k] / (2.0 * c * nn);
      grad[k] += beta[k] / (c * nn);
    }
    return f;
  };
  const auto fit = minimiseLbfgs(objective, std::vector<double>(K + 1, 0.0));
  return std::make_unique<StackingModel>(fit.x, c, fit.iterations);
}

// --- radiomics_gate: per-scan softmax gate on PCA-reduced radiomics -------------------------------

class RadiomicsGate : public GatingModel {
 public:
  RadiomicsGate(std::size_t experts, std::size_t dims, std::vector<double> params, double lambda, int iterations)
      : K_(experts), d_(dims), params_(std::move(params)), lambda_(lambda), iterations_(iterations) {}

  /// Gate logits z = W r + b for one scan; params = [W (K x d) row-major, b (K)].
  static std::vector<double> logits(const std::vector<double>& params, std::size_t K, std::size_t d, const double* r) {
    std::vector<double> z(K);
    for (std::size_t k = 0; k < K; ++k) {
      double s = params[K * d + k];
      for (std::size_t l = 0; l < d; ++l) s += params[k * d + l] * r[l];
      z[k] = s;
    }
    return z;
  }
  Matrix weights(const ScanRows& rows) const override {
    if (rows.gateInputs.rows != rows.size() || rows.gateInputs.cols != d_)
      throw InputError("radiomics_gate: the scans have " + std::to_string(rows.gateInputs.cols) + " gate inputs, the gate " +
                       std::to_string(d_));
    Matrix w(rows.size(), K_);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto g = softmax(logits(params_, K_, d_, rows.gateInputs.row(i)));
      std::copy(g.begin(), g.end(), w.row(i));
    }
    return w;
  }
  nlohmann::json parameters() const override {
    return {{"dims", d_}, {"lambda", lambda_}, {"iterations", iterations_}, {"W_b", params_}};
  }

 private:
  std::size_t K_, d_;
  std::vector<double> params_;
  double lambda_;
  int iterations_;
};

Fit radiomicsGate(const ScanRows& rows, const ExpertSet&, const GatingOptions& options) {
  const std::size_t K = rows.probs.cols, d = rows.gateInputs.cols, n = rows.size();
  if (d == 0 || rows.gateInputs.rows != n) {
    throw StrategyUnavailable("needs the radiomics features of every scan (RUN/radiomics/features.csv)");
  }
  std::vector<double> start(K * d + K, 0.0);
  if (!hasBothClasses(rows)) return std::make_unique<RadiomicsGate>(K, d, start, options.gateL2, 0);
  const double lambda = options.gateL2;
  auto objective = [&](const std::vector<double>& params, std::vector<double>& grad) {
    grad.assign(params.size(), 0.0);
    std::vector<double> p(n);
    std::vector<std::vector<double>> w(n);
    for (std::size_t i = 0; i < n; ++i) {
      w[i] = softmax(RadiomicsGate::logits(params, K, d, rows.gateInputs.row(i)));
      double s = 0;
      for (std::size_t k = 0; k < K; ++k) s += w[i][k] * rows.probs(i, k);
      p[i] = s;
    }
    std::vector<double> dLdp;
    double f = meanLogLoss(rows.labels, p, dLdp);
    for (std::size_t i = 0; i < n; ++i) {
      const double* r = rows.gateInputs.row(i);
      for (std::size_t k = 0; k < K; ++k) {
        const double dz = dLdp[i] * w[i][k] * (rows.probs(i, k) - p[i]);
        for (std::size_t l = 0; l < d; ++l) grad[k * d + l] += dz * r[l];
        grad[K * d + k] += dz;
      }
    }
    for (std::size_t j = 0; j < K * d; ++j) {
      f += lambda * params[j] * params[j];
      grad[j] += 2.0 * lambda * params[j];
    }
    return f;
  };
  const auto fit = minimiseLbfgs(objective, start);
  return std::make_unique<RadiomicsGate>(K, d, fit.x, lambda, fit.iterations);
}

}  // namespace

std::vector<GatingStrategy> learnedStrategies() {
  return {
      {"learned_softmax", "learned",
       "w = softmax(theta), theta minimising the ensemble's validation log-loss + lambda ||theta||^2", false, true, false,
       learnedSoftmax},
      {"stacking_logistic", "learned",
       "L2 logistic regression on the expert logits (the combiner); weights = its normalised positive coefficients",
       false, true, true, stackingLogistic},
      {"radiomics_gate", "learned",
       "w(x) = softmax(W r(x) + b), r = standardised radiomics of all regions, PCA <= gating.gate_dims on training "
       "scans; W, b minimise the ensemble's validation log-loss + lambda ||W||^2",
       true, true, false, radiomicsGate},
  };
}

}  // namespace ren::gating
