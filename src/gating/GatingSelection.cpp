#include "ren/gating/GatingSelection.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "StrategySupport.h"
#include "ren/core/Error.h"
#include "ren/core/Random.h"
#include "ren/stats/BinaryMetrics.h"

namespace ren::gating {

namespace {

/// A fitted strategy as the selection uses it: weights after the optional hierarchical
/// normalisation, and the ensemble's predictions with those weights (combiners predict themselves).
struct FittedStrategy {
  const GatingStrategy* strategy = nullptr;
  std::unique_ptr<GatingModel> model;
  const ExpertSet* experts = nullptr;
  bool hierarchical = false;

  Matrix weights(const ScanRows& rows) const {
    Matrix w = model->weights(rows);
    if (hierarchical) {
      for (std::size_t i = 0; i < w.rows; ++i) {
        std::vector<double> r(w.row(i), w.row(i) + w.cols);
        hierarchicalNormalise(r, experts->regionIndex);
        std::copy(r.begin(), r.end(), w.row(i));
      }
    }
    return w;
  }
  std::vector<double> predict(const ScanRows& rows) const {
    if (strategy->combiner || !hierarchical) return model->predict(rows);
    const Matrix w = weights(rows);
    std::vector<double> p(rows.size(), 0.0);
    for (std::size_t i = 0; i < rows.size(); ++i)
      for (std::size_t k = 0; k < w.cols; ++k) p[i] += w(i, k) * rows.probs(i, k);
    return p;
  }
};

FittedStrategy fitStrategy(const GatingStrategy& s, const ScanRows& rows, const ExpertSet& experts,
                           const GatingOptions& options) {
  FittedStrategy f;
  f.strategy = &s;
  f.model = s.fit(rows, experts, options);
  f.experts = &experts;
  f.hierarchical = options.hierarchical;
  return f;
}

}  // namespace

std::vector<std::vector<std::size_t>> innerFolds(const ScanRows& rows, int k, std::uint64_t seed) {
  // Patients in first-appearance order, with the classes of their scans.
  std::vector<std::string> patients;
  std::map<std::string, std::vector<std::size_t>> scansOf;
  std::map<std::string, std::pair<bool, bool>> classes;  ///< (has label 0, has label 1)
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string& p = i < rows.patientIds.size() && !rows.patientIds[i].empty() ? rows.patientIds[i]
                                                                                       : "#scan" + std::to_string(i);
    if (!scansOf.count(p)) patients.push_back(p);
    scansOf[p].push_back(i);
    (rows.labels[i] == 1 ? classes[p].second : classes[p].first) = true;
  }
  // Stratified dealing order: positive-only patients, then mixed ones (longitudinal converters), then
  // negative-only ones, each group shuffled.
  std::vector<std::string> positiveOnly, mixed, negativeOnly;
  for (const auto& p : patients) {
    const auto [neg, pos] = classes[p];
    (pos && neg ? mixed : pos ? positiveOnly : negativeOnly).push_back(p);
  }
  Rng rng(seed);
  rng.shuffle(positiveOnly);
  rng.shuffle(mixed);
  rng.shuffle(negativeOnly);
  std::vector<std::string> order = positiveOnly;
  order.insert(order.end(), mixed.begin(), mixed.end());
  order.insert(order.end(), negativeOnly.begin(), negativeOnly.end());
  // The most folds (up to k) for which every fitting set -- the other folds -- holds both classes.
  for (int folds = std::min<int>(k, static_cast<int>(order.size())); folds >= 2; --folds) {
    std::vector<std::vector<std::size_t>> out(static_cast<std::size_t>(folds));
    for (std::size_t t = 0; t < order.size(); ++t) {
      auto& fold = out[t % out.size()];
      fold.insert(fold.end(), scansOf[order[t]].begin(), scansOf[order[t]].end());
    }
    bool usable = true;
    for (std::size_t f = 0; f < out.size() && usable; ++f) {
      bool neg = false, pos = false;
      for (std::size_t g = 0; g < out.size(); ++g)
        if (g != f)
          for (std::size_t i : out[g]) (rows.labels[i] == 1 ? pos : neg) = true;
      usable = neg && pos;
    }
    if (!usable) continue;
    for (auto& f : out) std::sort(f.begin(), f.end());
    return out;
  }
  std::vector<std::size_t> all(rows.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  return {all};  // one fold: no inner cross-validation is possible
}

GatingOutcome selectGating(const ScanRows& val, const ScanRows& test, const ExpertSet& experts,
                           const GatingOptions& options, const std::vector<std::string>& strategyNames) {
  const auto& registry = GatingStrategyRegistry::instance();
  const auto names = strategyNames.empty() ? registry.names() : strategyNames;
  if (!hasBothClasses(val)) {
    throw InputError("gating: the validation scans lack a class (" + std::to_string(val.size()) +
                     " scans); no strategy can be scored by validation AUC");
  }
  if (val.probs.cols != experts.size() || test.probs.cols != experts.size()) {
    throw InputError("gating: " + std::to_string(experts.size()) + " experts but predictions with " +
                     std::to_string(val.probs.cols) + " columns");
  }
  const auto folds = innerFolds(val, options.innerFolds, options.seed);

  GatingOutcome outcome;
  for (const auto& name : names) {
    const GatingStrategy& s = registry.get(name);
    StrategyOutcome o;
    o.name = s.name;
    o.group = s.group;
    o.dynamic = s.dynamic;
    o.fitted = s.fitted;
    o.scoring = s.fitted ? "inner-cv" : "validation";
    try {
      const FittedStrategy full = fitStrategy(s, val, experts, options);
      o.valProbs = full.predict(val);
      o.testProbs = full.predict(test);
      o.valAuc = stats::rocAuc(val.labels, o.valProbs);
      o.parameters = full.model->parameters();
      const Matrix w = full.weights(val);
      o.weights.assign(experts.size(), 0.0);
      for (std::size_t i = 0; i < w.rows; ++i)
        for (std::size_t k = 0; k < w.cols; ++k) o.weights[k] += w(i, k) / static_cast<double>(w.rows);
      if (s.fitted) {
        if (folds.size() < 2)
          throw StrategyUnavailable("inner cross-validation needs at least 2 validation patients of each class");
        std::vector<double> outOfFold(val.size(), 0.0);
        for (std::size_t f = 0; f < folds.size(); ++f) {
          std::vector<std::size_t> fitIdx;
          for (std::size_t g = 0; g < folds.size(); ++g)
            if (g != f) fitIdx.insert(fitIdx.end(), folds[g].begin(), folds[g].end());
          std::sort(fitIdx.begin(), fitIdx.end());
          const FittedStrategy inner = fitStrategy(s, val.subset(fitIdx), experts, options);
          const auto held = inner.predict(val.subset(folds[f]));
          for (std::size_t t = 0; t < folds[f].size(); ++t) outOfFold[folds[f][t]] = held[t];
        }
        o.valScore = stats::rocAuc(val.labels, outOfFold);
      } else {
        o.valScore = o.valAuc;
      }
    } catch (const StrategyUnavailable& e) {
      o.available = false;
      o.unavailableReason = e.what();
      o.valScore = o.valAuc = std::nan("");
      o.valProbs.clear();
      o.testProbs.clear();
    }
    outcome.strategies.push_back(std::move(o));
  }
  bool any = false;
  for (std::size_t i = 0; i < outcome.strategies.size(); ++i) {
    const auto& o = outcome.strategies[i];
    if (!o.available || !std::isfinite(o.valScore)) continue;
    if (!any || o.valScore > outcome.strategies[outcome.selected].valScore) outcome.selected = i;
    any = true;
  }
  if (!any) throw InputError("gating: no strategy could be scored on validation");
  return outcome;
}

}  // namespace ren::gating
