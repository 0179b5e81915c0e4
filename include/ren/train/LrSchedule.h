#pragma once
// Learning-rate schedules of the recipes (METHOD.md section 5), stepped once per epoch:
//   plateau: ReduceLROnPlateau on validation AUC (mode max): after more than `patience` epochs without
//            an improvement the rate is multiplied by `factor` (not below min_lr);
//   cosine:  lr_e = min_lr + (lr0 - min_lr) (1 + cos(pi e / T)) / 2, e = epochs completed, T = cosine_epochs
//            (or the recipe's epochs); the rate stays at min_lr after T;
//   none:    constant.
// Its state is JSON so a checkpoint restores it exactly.
#include <nlohmann/json.hpp>

#include "ren/core/Config.h"

namespace ren::train {

class LrSchedule {
 public:
  explicit LrSchedule(const TrainRecipe& recipe);
  /// The learning rate for the next epoch after `epochsDone` epochs, given the validation AUC of the
  /// epoch just finished (NaN = no information; plateau then counts no improvement).
  double step(int epochsDone, double valAuc);
  double current() const { return lr_; }
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  TrainRecipe recipe_;
  double lr_;
  double best_ = -1;  ///< plateau: best val AUC so far
  int bad_ = 0;       ///< plateau: epochs since the best
};

/// Early stopping and the best epoch on `monitor` (val_loss: lower is better; val_auc: higher).
class EarlyStopping {
 public:
  EarlyStopping(const std::string& monitor, int patience, double minDelta);
  /// Records an epoch's value; true when it is the new best (NaN is never better).
  bool update(int epoch, double value);
  bool shouldStop() const { return bad_ >= patience_; }
  int bestEpoch() const { return bestEpoch_; }
  double bestValue() const { return best_; }
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  bool lowerIsBetter_;
  int patience_;
  double minDelta_;
  double best_;
  int bestEpoch_ = -1;
  int bad_ = 0;
};

}  // namespace ren::train
