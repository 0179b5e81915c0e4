#pragma once
// The radiomics expert's classifier (METHOD.md section 5): gradient-boosted trees through the XGBoost
// C API (binary:logistic, logloss), saved as XGBoost JSON that Python's xgboost loads.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ren::tabular {

/// A dense table: `rows` x `cols` float features (row-major), one 0/1 label per row.
struct TabularData {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<float> values;  ///< rows * cols; NaN is XGBoost's "missing"
  std::vector<int> labels;    ///< rows (may be empty for prediction-only data)
};

struct XgbParams {
  int trees = 50;                 ///< boosting rounds (n_estimators)
  int maxDepth = 3;
  double eta = 0.1;               ///< learning rate
  int earlyStoppingRounds = 10;   ///< stop when validation logloss has not improved for this many rounds (0 = off)
  std::uint64_t seed = 42;
  int threads = 1;                ///< nthread
};

class XgbModel {
 public:
  XgbModel();
  ~XgbModel();
  XgbModel(XgbModel&&) noexcept;
  XgbModel& operator=(XgbModel&&) noexcept;

  /// Trains on `train`; when `validation` has rows, its logloss is evaluated every round and, with
  /// earlyStoppingRounds > 0, training stops after that many rounds without improvement and the
  /// model keeps the best round (bestIteration()). Deterministic for a fixed seed and data.
  /// Throws InputError when a class is missing from `train` or the shapes disagree.
  void train(const TabularData& train, const TabularData& validation, const XgbParams& params);

  /// P(class 1) per row, using the trees up to the best iteration.
  std::vector<double> predict(const TabularData& data) const;

  /// Number of the best round, 0-based (the last round without early stopping).
  int bestIteration() const { return bestIteration_; }
  /// Validation logloss per round (empty without validation data).
  const std::vector<double>& validationCurve() const { return validationCurve_; }
  /// Training logloss per round.
  const std::vector<double>& trainCurve() const { return trainCurve_; }

  /// Writes the model as XGBoost JSON (loadable by xgboost.Booster(model_file=...)), atomically
  /// (temporary name, then rename). The best iteration is stored in the model's attributes
  /// ("best_iteration"), so Python's predict(iteration_range=(0, best+1)) reproduces predict().
  void saveJson(const std::filesystem::path& path) const;
  /// Loads a model written by saveJson. InputError naming the file when it is missing or corrupt.
  static XgbModel loadJson(const std::filesystem::path& path);

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  int bestIteration_ = 0;
  std::vector<double> validationCurve_;
  std::vector<double> trainCurve_;
};

}  // namespace ren::tabular
