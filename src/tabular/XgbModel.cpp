#include "ren/tabular/XgbModel.h"

#include <xgboost/c_api.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <memory>
#include <locale>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "ren/core/AtomicFile.h"
#include "ren/core/Error.h"

namespace ren::tabular {

namespace fs = std::filesystem;

namespace {

/// The message of the last failed XGBoost call on this thread, without XGBoost's stack trace.
std::string lastXgbError() {
  const char* raw = XGBGetLastError();
  std::string message = raw != nullptr ? raw : "";
  const auto trace = message.find("Stack trace:");
  if (trace != std::string::npos) message.erase(trace);
  while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) message.pop_back();
  return message.empty() ? "(no message)" : message;
}

/// Throws std::runtime_error naming the call when an XGBoost C API call failed.
void checkXgb(int rc, const char* call) {
  if (rc != 0) throw std::runtime_error(std::string("XGBoost ") + call + " failed: " + lastXgbError());
}

/// A number as XGBoost's parameter parser reads it (classic locale, round-trip precision).
std::string formatNumber(double value) {
  std::ostringstream os;
  os.imbue(std::locale::classic());
  os.precision(std::numeric_limits<double>::max_digits10);
  os << value;
  return os.str();
}

/// Owns one DMatrix.
class DMatrix {
 public:
  /// Dense rows x cols matrix (NaN = missing) with the labels as float "label" info when present.
  explicit DMatrix(const TabularData& data) {
    checkXgb(XGDMatrixCreateFromMat(data.values.data(), static_cast<bst_ulong>(data.rows),
                                    static_cast<bst_ulong>(data.cols), std::numeric_limits<float>::quiet_NaN(),
                                    &handle_),
             "XGDMatrixCreateFromMat");
    if (!data.labels.empty()) {
      const std::vector<float> labels(data.labels.begin(), data.labels.end());
      checkXgb(XGDMatrixSetFloatInfo(handle_, "label", labels.data(), static_cast<bst_ulong>(labels.size())),
               "XGDMatrixSetFloatInfo(label)");
    }
  }
  ~DMatrix() {
    if (handle_ != nullptr) XGDMatrixFree(handle_);
  }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

/// Shape checks shared by training and prediction; `what` names the data set in messages.
void checkShape(const TabularData& data, const char* what, bool labelsRequired) {
  if (data.rows < 0 || data.cols < 0) {
    throw InputError(std::string("XgbModel: ") + what + " has a negative shape (" + std::to_string(data.rows) + " x " +
                     std::to_string(data.cols) + ")");
  }
  if (data.values.size() != static_cast<std::size_t>(data.rows * data.cols)) {
    throw InputError(std::string("XgbModel: ") + what + " has " + std::to_string(data.values.size()) +
                     " values for " + std::to_string(data.rows) + " x " + std::to_string(data.cols));
  }
  if (labelsRequired || !data.labels.empty()) {
    if (data.labels.size() != static_cast<std::size_t>(data.rows)) {
      throw InputError(std::string("XgbModel: ") + what + " has " + std::to_string(data.labels.size()) +
                       " labels for " + std::to_string(data.rows) + " rows");
    }
    for (std::size_t i = 0; i < data.labels.size(); ++i) {
      if (data.labels[i] != 0 && data.labels[i] != 1) {
        throw InputError(std::string("XgbModel: ") + what + " label " + std::to_string(data.labels[i]) +
                         " at row " + std::to_string(i) + " (allowed: 0, 1)");
      }
    }
  }
}

void checkParams(const XgbParams& p) {
  if (p.trees < 1) throw ConfigError("xgb.trees = " + std::to_string(p.trees) + ": must be >= 1");
  if (p.maxDepth < 1) throw ConfigError("xgb.max_depth = " + std::to_string(p.maxDepth) + ": must be >= 1");
  if (!(p.eta > 0.0 && p.eta <= 1.0)) {
    throw ConfigError("xgb.eta = " + formatNumber(p.eta) + ": must lie in (0, 1]");
  }
  if (p.earlyStoppingRounds < 0) {
    throw ConfigError("xgb.early_stopping_rounds = " + std::to_string(p.earlyStoppingRounds) +
                      ": must be >= 0 (0 = off)");
  }
  if (p.threads < 1) throw ConfigError("train.threads (xgb) = " + std::to_string(p.threads) + ": must be >= 1");
}

/// The value of "<name>-logloss:<value>" in an XGBoosterEvalOneIter line such as
/// "[3]\ttrain-logloss:0.52\tvalid-logloss:0.61".
double parseLogloss(const std::string& line, const std::string& name) {
  const std::string key = "\t" + name + "-logloss:";
  const auto at = line.find(key);
  if (at == std::string::npos) {
    throw std::runtime_error("XGBoost evaluation line has no '" + name + "-logloss': " + line);
  }
  const char* begin = line.data() + at + key.size();
  const char* end = line.data() + line.size();
  double value = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr == begin) {
    throw std::runtime_error("XGBoost evaluation line has an unreadable '" + name + "-logloss': " + line);
  }
  return value;
}

}  // namespace

struct XgbModel::Handle {
  BoosterHandle booster = nullptr;
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (booster != nullptr) XGBoosterFree(booster);
  }
};

XgbModel::XgbModel() = default;
XgbModel::~XgbModel() = default;
XgbModel::XgbModel(XgbModel&&) noexcept = default;
XgbModel& XgbModel::operator=(XgbModel&&) noexcept = default;

void XgbModel::train(const TabularData& train, const TabularData& validation, const XgbParams& params) {
  checkParams(params);
  checkShape(train, "training data", true);
  if (train.rows == 0 || train.cols == 0) {
    throw InputError("XgbModel: training data is empty (" + std::to_string(train.rows) + " x " +
                     std::to_string(train.cols) + ")");
  }
  std::int64_t positives = 0;
  for (int label : train.labels) positives += label;
  if (positives == 0 || positives == train.rows) {
    throw InputError("XgbModel: training data has only class " + std::to_string(train.labels.front()) +
                     " (both 0 and 1 are needed)");
  }
  const bool validate = validation.rows > 0;
  if (validate) {
    checkShape(validation, "validation data", true);
    if (validation.cols != train.cols) {
      throw InputError("XgbModel: validation data has " + std::to_string(validation.cols) +
                       " columns, training data " + std::to_string(train.cols));
    }
  }

  DMatrix dtrain(train);
  std::unique_ptr<DMatrix> dvalid;
  if (validate) dvalid = std::make_unique<DMatrix>(validation);

  auto handle = std::make_unique<Handle>();
  std::vector<DMatrixHandle> evalSets{dtrain.get()};
  std::vector<const char*> evalNames{"train"};
  if (validate) {
    evalSets.push_back(dvalid->get());
    evalNames.push_back("valid");
  }
  checkXgb(XGBoosterCreate(evalSets.data(), static_cast<bst_ulong>(evalSets.size()), &handle->booster),
           "XGBoosterCreate");
  // The seed is a signed 64-bit parameter in XGBoost: keep the low 63 bits. Without row or column
  // subsampling it does not change the trees; it is set for completeness.
  const auto seed = static_cast<std::int64_t>(params.seed & 0x7FFFFFFFFFFFFFFFull);
  const std::pair<const char*, std::string> settings[] = {
      {"objective", "binary:logistic"},
      {"eval_metric", "logloss"},
      {"tree_method", "exact"},  // exact greedy splits: no sketching, deterministic for any data
      {"max_depth", std::to_string(params.maxDepth)},
      {"eta", formatNumber(params.eta)},
      {"seed", std::to_string(seed)},
      {"nthread", std::to_string(params.threads)},
      {"verbosity", "0"},
  };
  for (const auto& [name, value] : settings) {
    checkXgb(XGBoosterSetParam(handle->booster, name, value.c_str()),
             (std::string("XGBoosterSetParam(") + name + ")").c_str());
  }

  // Early stopping as XGBoost's Python callback does it: the best round is the first minimum of the
  // validation logloss; stop once `earlyStoppingRounds` rounds in a row did not improve on it.
  const bool earlyStopping = validate && params.earlyStoppingRounds > 0;
  std::vector<double> trainCurve, validationCurve;
  int bestRound = 0;
  double bestLoss = std::numeric_limits<double>::infinity();
  for (int round = 0; round < params.trees; ++round) {
    checkXgb(XGBoosterUpdateOneIter(handle->booster, round, dtrain.get()), "XGBoosterUpdateOneIter");
    const char* line = nullptr;
    checkXgb(XGBoosterEvalOneIter(handle->booster, round, evalSets.data(), evalNames.data(),
                                  static_cast<bst_ulong>(evalSets.size()), &line),
             "XGBoosterEvalOneIter");
    const std::string evaluation = line != nullptr ? line : "";
    trainCurve.push_back(parseLogloss(evaluation, "train"));
    if (validate) {
      const double loss = parseLogloss(evaluation, "valid");
      validationCurve.push_back(loss);
      if (round == 0 || loss < bestLoss) {
        bestLoss = loss;
        bestRound = round;
      }
    }
    if (earlyStopping && round - bestRound >= params.earlyStoppingRounds) break;
  }
  const int roundsRun = static_cast<int>(trainCurve.size());

  handle_ = std::move(handle);
  trainCurve_ = std::move(trainCurve);
  validationCurve_ = std::move(validationCurve);
  bestIteration_ = earlyStopping ? bestRound : roundsRun - 1;
}

std::vector<double> XgbModel::predict(const TabularData& data) const {
  if (!handle_) throw std::runtime_error("XgbModel: predict() before train() or loadJson()");
  checkShape(data, "prediction data", false);
  bst_ulong features = 0;
  checkXgb(XGBoosterGetNumFeature(handle_->booster, &features), "XGBoosterGetNumFeature");
  if (static_cast<bst_ulong>(data.cols) != features) {
    throw InputError("XgbModel: prediction data has " + std::to_string(data.cols) + " columns, the model " +
                     std::to_string(features));
  }
  if (data.rows == 0) return {};
  DMatrix dmatrix(data);
  // type 0 = transformed prediction (probability for binary:logistic); trees [0, best + 1).
  const std::string config = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": " +
                             std::to_string(bestIteration_ + 1) + ", \"strict_shape\": false}";
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* result = nullptr;
  checkXgb(XGBoosterPredictFromDMatrix(handle_->booster, dmatrix.get(), config.c_str(), &shape, &dims, &result),
           "XGBoosterPredictFromDMatrix");
  bst_ulong count = dims > 0 ? 1 : 0;
  for (bst_ulong d = 0; d < dims; ++d) count *= shape[d];
  if (count != static_cast<bst_ulong>(data.rows)) {
    throw std::runtime_error("XgbModel: XGBoost returned " + std::to_string(count) + " predictions for " +
                             std::to_string(data.rows) + " rows");
  }
  return std::vector<double>(result, result + count);
}

void XgbModel::saveJson(const fs::path& path) const {
  if (!handle_) throw std::runtime_error("XgbModel: saveJson() before train() or loadJson()");
  checkXgb(XGBoosterSetAttr(handle_->booster, "best_iteration", std::to_string(bestIteration_).c_str()),
           "XGBoosterSetAttr(best_iteration)");
  if (path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw InputError("XgbModel: cannot create directory '" + path.parent_path().string() + "': " + ec.message());
  }
  // XGBoost chooses the format from the extension, so the temporary name ends in ".json".
  fs::path temporary = temporaryPathFor(path);
  temporary += ".json";
  if (XGBoosterSaveModel(handle_->booster, temporary.c_str()) != 0) {
    const std::string message = lastXgbError();
    std::error_code ec;
    fs::remove(temporary, ec);
    throw InputError("XgbModel: cannot write model '" + path.string() + "': " + message);
  }
  commitTemporary(temporary, path);
}

XgbModel XgbModel::loadJson(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw InputError("XgbModel: model file '" + path.string() + "' does not exist or is not a file");
  }
  auto handle = std::make_unique<Handle>();
  checkXgb(XGBoosterCreate(nullptr, 0, &handle->booster), "XGBoosterCreate");
  if (XGBoosterLoadModel(handle->booster, path.c_str()) != 0) {
    throw InputError("XgbModel: cannot load model file '" + path.string() + "': " + lastXgbError());
  }
  int rounds = 0;
  checkXgb(XGBoosterBoostedRounds(handle->booster, &rounds), "XGBoosterBoostedRounds");
  bst_ulong features = 0;
  checkXgb(XGBoosterGetNumFeature(handle->booster, &features), "XGBoosterGetNumFeature");
  if (rounds < 1 || features < 1) {
    throw InputError("XgbModel: model file '" + path.string() + "' holds no trained model (" +
                     std::to_string(rounds) + " rounds, " + std::to_string(features) + " features)");
  }

  XgbModel model;
  model.bestIteration_ = rounds - 1;
  const char* attribute = nullptr;
  int found = 0;
  checkXgb(XGBoosterGetAttr(handle->booster, "best_iteration", &attribute, &found), "XGBoosterGetAttr");
  if (found != 0 && attribute != nullptr) {
    const std::string text = attribute;
    int best = -1;
    const auto [ptr, parseError] = std::from_chars(text.data(), text.data() + text.size(), best);
    if (parseError != std::errc() || ptr != text.data() + text.size() || best < 0 || best >= rounds) {
      throw InputError("XgbModel: model file '" + path.string() + "' has best_iteration '" + text +
                       "' (allowed: 0.." + std::to_string(rounds - 1) + ")");
    }
    model.bestIteration_ = best;
  }
  model.handle_ = std::move(handle);
  return model;
}

}  // namespace ren::tabular
