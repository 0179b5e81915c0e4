#pragma once
// The radiomics expert (METHOD.md section 5): XGBoost on the region's 107 radiomics features
// (RUN/radiomics/features.csv). train_on = train: fitted on the fold's training scans with early
// stopping on validation logloss; train_on = paper: the reference code's protocol, fitted on a seeded
// stratified 70 % of the validation scans (its AUC on the other 30 % is reported as paper_holdout_auc).
// Writes predictions.csv, metrics.json and model.json (XGBoost JSON, loadable by Python's xgboost).
#include <string>

#include "ren/core/Config.h"
#include "ren/train/TaskRunner.h"

namespace ren::train {

std::string xgbTaskInputs(const Config& config, const TrainTask& task);
void trainXgbTask(const TaskContext& ctx);

}  // namespace ren::train
