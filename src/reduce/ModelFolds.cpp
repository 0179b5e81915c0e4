#include "ModelFolds.h"

#include <cmath>

#include "ren/stats/BinaryMetrics.h"
#include "ren/stats/Bootstrap.h"
#include "ren/stats/DeLong.h"
#include "ren/stats/Descriptive.h"
#include "ren/stats/PairedTests.h"

namespace ren::reduce {

namespace {
const double kNaN = std::nan("");

/// Runs a statistic that may refuse degenerate input (InputError): NaN then.
template <class F>
double orNaN(F f) {
  try {
    return f();
  } catch (const std::exception&) {
    return kNaN;
  }
}
}  // namespace

void ModelFolds::addFold(int fold, const std::vector<std::string>& scanIds, const std::vector<int>& labels,
                         const std::vector<double>& probs) {
  foldAuc[fold] = stats::rocAuc(labels, probs);
  foldsPresent.push_back(fold);
  for (std::size_t i = 0; i < scanIds.size(); ++i) pooled[scanIds[i]] = {labels[i], probs[i]};
}

std::vector<TableColumn> foldColumns(const std::vector<int>& folds) {
  std::vector<TableColumn> cols;
  for (int f : folds) cols.push_back({"auc_f" + std::to_string(f), ColumnKind::Number, 3});
  cols.push_back({"mean", ColumnKind::Number, 3});
  cols.push_back({"sd", ColumnKind::Number, 3});
  cols.push_back({"pooled_auc", ColumnKind::Number, 3});
  cols.push_back({"ci_low", ColumnKind::Number, 3});
  cols.push_back({"ci_high", ColumnKind::Number, 3});
  return cols;
}

std::vector<TableCell> foldCells(const ModelFolds& model, const std::vector<int>& folds, double level) {
  std::vector<TableCell> cells;
  std::vector<double> values;
  for (int f : folds) {
    const auto it = model.foldAuc.find(f);
    const double v = it == model.foldAuc.end() ? kNaN : it->second;
    cells.push_back(TableCell::of(v));
    values.push_back(v);
  }
  const auto summary = stats::meanSd(values);
  cells.push_back(TableCell::of(summary.n > 0 ? summary.mean : kNaN));
  cells.push_back(TableCell::of(summary.sd));
  std::vector<int> labels;
  std::vector<double> probs;
  for (const auto& [id, lp] : model.pooled) {
    labels.push_back(lp.first);
    probs.push_back(lp.second);
  }
  double auc = kNaN, lo = kNaN, hi = kNaN;
  try {
    const auto ci = stats::delongCi(labels, probs, level);
    auc = ci.auc;
    lo = ci.lower;
    hi = ci.upper;
  } catch (const std::exception&) {
    auc = labels.empty() ? kNaN : stats::rocAuc(labels, probs);
  }
  cells.push_back(TableCell::of(auc));
  cells.push_back(TableCell::of(lo));
  cells.push_back(TableCell::of(hi));
  return cells;
}

std::vector<TableColumn> pooledApColumns() {
  return {{"pooled_ap", ColumnKind::Number, 3}, {"ap_ci_low", ColumnKind::Number, 3}, {"ap_ci_high", ColumnKind::Number, 3}};
}

std::vector<TableCell> pooledApCells(const ModelFolds& model, int resamples, double level, std::uint64_t seed) {
  std::vector<int> labels;
  std::vector<double> probs;
  for (const auto& [id, lp] : model.pooled) {
    labels.push_back(lp.first);
    probs.push_back(lp.second);
  }
  try {
    const auto ci = stats::stratifiedBootstrapCi(
        labels, probs, [](const std::vector<int>& l, const std::vector<double>& p) { return stats::averagePrecision(l, p); },
        resamples, level, seed);
    return {TableCell::of(ci.estimate), TableCell::of(ci.lower), TableCell::of(ci.upper)};
  } catch (const std::exception&) {
    return {TableCell::of(kNaN), TableCell::of(kNaN), TableCell::of(kNaN)};
  }
}

ModelComparison compareModels(const ModelFolds& model, const ModelFolds& reference) {
  ModelComparison c;
  std::vector<int> labels;
  std::vector<double> a, b;
  for (const auto& [id, lp] : model.pooled) {
    const auto it = reference.pooled.find(id);
    if (it == reference.pooled.end()) continue;
    labels.push_back(lp.first);
    a.push_back(lp.second);
    b.push_back(it->second.second);
  }
  c.pooledDelta = orNaN([&] { return stats::rocAuc(labels, a) - stats::rocAuc(labels, b); });
  c.pDeLong = orNaN([&] { return stats::pairedDeLongTest(labels, a, b).pValue; });
  std::vector<double> fa, fb;
  for (const auto& [fold, auc] : model.foldAuc) {
    const auto it = reference.foldAuc.find(fold);
    if (it == reference.foldAuc.end() || !std::isfinite(auc) || !std::isfinite(it->second)) continue;
    fa.push_back(auc);
    fb.push_back(it->second);
  }
  c.pWilcoxon = orNaN([&] { return stats::wilcoxonSignedRank(fa, fb, stats::Alternative::Greater).pValue; });
  c.pTTest = orNaN([&] { return stats::pairedTTest(fa, fb, stats::Alternative::TwoSided).pValue; });
  return c;
}

std::string foldStatisticsNote(double level) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", level * 100);
  return std::string("auc_f<k>: test AUC of fold k; mean and sd over folds, sd = sample standard deviation (ddof 1); "
                     "pooled_auc: AUC of the out-of-fold test predictions of all folds together, with its ") +
         buf + " % DeLong CI (ci_low, ci_high); pooling mixes the fold models' calibrations, so it can fall below every "
         "per-fold AUC";
}

std::string listSome(const std::vector<std::string>& items, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > limit) out += " and " + std::to_string(items.size() - limit) + " more";
  return out;
}

}  // namespace ren::reduce
