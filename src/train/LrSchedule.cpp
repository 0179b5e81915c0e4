#include "ren/train/LrSchedule.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ren::train {

LrSchedule::LrSchedule(const TrainRecipe& recipe) : recipe_(recipe), lr_(recipe.lr) {}

double LrSchedule::step(int epochsDone, double valAuc) {
  if (recipe_.scheduler == "cosine") {
    const int span = recipe_.cosineEpochs > 0 ? recipe_.cosineEpochs : recipe_.epochs;
    const double t = std::min(1.0, static_cast<double>(epochsDone) / static_cast<double>(span));
    lr_ = recipe_.minLr + (recipe_.lr - recipe_.minLr) * (1 + std::cos(M_PI * t)) / 2;
  } else if (recipe_.scheduler == "plateau") {
    if (std::isfinite(valAuc) && valAuc > best_) {
      best_ = valAuc;
      bad_ = 0;
    } else if (++bad_ > recipe_.plateauPatience) {
      lr_ = std::max(recipe_.minLr, lr_ * recipe_.plateauFactor);
      bad_ = 0;
    }
  }
  return lr_;
}

nlohmann::json LrSchedule::state() const { return {{"lr", lr_}, {"best", best_}, {"bad", bad_}}; }

void LrSchedule::restore(const nlohmann::json& state) {
  lr_ = state.at("lr").get<double>();
  best_ = state.at("best").get<double>();
  bad_ = state.at("bad").get<int>();
}

EarlyStopping::EarlyStopping(const std::string& monitor, int patience, double minDelta)
    : lowerIsBetter_(monitor != "val_auc"),
      patience_(patience),
      minDelta_(minDelta),
      best_(lowerIsBetter_ ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity()) {}

bool EarlyStopping::update(int epoch, double value) {
  const bool better = std::isfinite(value) && (bestEpoch_ < 0 || (lowerIsBetter_ ? value < best_ - minDelta_
                                                                                 : value > best_ + minDelta_));
  if (better) {
    best_ = value;
    bestEpoch_ = epoch;
    bad_ = 0;
  } else {
    ++bad_;
  }
  return better;
}

nlohmann::json EarlyStopping::state() const {
  // Infinity is not JSON: the best value is stored only once there is a best epoch.
  return {{"best", bestEpoch_ >= 0 ? nlohmann::json(best_) : nlohmann::json(nullptr)}, {"best_epoch", bestEpoch_}, {"bad", bad_}};
}

void EarlyStopping::restore(const nlohmann::json& state) {
  bestEpoch_ = state.at("best_epoch").get<int>();
  bad_ = state.at("bad").get<int>();
  if (!state.at("best").is_null()) best_ = state.at("best").get<double>();
}

}  // namespace ren::train
