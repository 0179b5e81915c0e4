#pragma once
// One model's test results across folds, the common currency of the tables: per-fold test AUC, the
// pooled out-of-fold test predictions, and the cells and comparisons built from them. Internal to
// ren_reduce.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ren/reduce/ResultTable.h"

namespace ren::reduce {

struct ModelFolds {
  std::string name;
  std::map<int, double> foldAuc;                ///< fold -> test AUC (NaN when a class is absent)
  std::map<std::string, std::pair<int, double>> pooled;  ///< scan id -> (label, prob), every fold's test scans
  std::vector<int> foldsPresent;

  /// Adds one fold's test predictions (computes its AUC).
  void addFold(int fold, const std::vector<std::string>& scanIds, const std::vector<int>& labels,
               const std::vector<double>& probs);
  bool empty() const { return foldsPresent.empty(); }
};

/// Columns auc_f<k> for each fold, then mean, sd, pooled_auc, ci_low, ci_high.
std::vector<TableColumn> foldColumns(const std::vector<int>& folds);
/// The matching cells (NaN where a fold is missing; mean/SD over the folds present, SD with ddof 1;
/// pooled AUC with its DeLong CI at `level`, NaN when the pool lacks 2 of a class).
std::vector<TableCell> foldCells(const ModelFolds& model, const std::vector<int>& folds, double level);

/// pooled_ap, ap_ci_low, ap_ci_high: average precision of the pooled predictions with a stratified
/// percentile bootstrap CI (no analytic variance exists for AP).
std::vector<TableColumn> pooledApColumns();
std::vector<TableCell> pooledApCells(const ModelFolds& model, int resamples, double level, std::uint64_t seed);

/// Paired comparison of `model` against `reference` on the scans and folds both have.
struct ModelComparison {
  double pooledDelta = 0;  ///< pooled AUC(model) - pooled AUC(reference)
  double pDeLong = 0;      ///< paired DeLong, two-sided, pooled out-of-fold predictions
  double pWilcoxon = 0;    ///< exact Wilcoxon signed-rank over fold AUCs, one-sided (model > reference)
  double pTTest = 0;       ///< paired t-test over fold AUCs, two-sided
};
ModelComparison compareModels(const ModelFolds& model, const ModelFolds& reference);

/// The note every fold table carries.
std::string foldStatisticsNote(double level);

/// A text listing at most `limit` items ("a, b, c and 4 more").
std::string listSome(const std::vector<std::string>& items, std::size_t limit = 6);

}  // namespace ren::reduce
