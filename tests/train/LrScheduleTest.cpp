// Learning-rate schedules and early stopping (ren/train/LrSchedule.h): cosine, plateau and none as
// METHOD.md section 5 defines them, and exact state round trips through JSON text (checkpoints).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ren/train/LrSchedule.h"

using namespace ren;
using train::EarlyStopping;
using train::LrSchedule;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

TrainRecipe recipe(const std::string& scheduler) {
  TrainRecipe r;
  r.scheduler = scheduler;
  r.lr = 1e-3;
  r.minLr = 1e-6;
  r.epochs = 10;
  r.cosineEpochs = 0;
  r.plateauPatience = 2;
  r.plateauFactor = 0.5;
  return r;
}

/// A checkpoint stores state() as JSON text: round-trip through the text, as a resume does.
nlohmann::json viaText(const nlohmann::json& state) { return nlohmann::json::parse(state.dump()); }

}  // namespace

TEST(LrSchedule, StartsAtTheRecipeRate) {
  for (const char* s : {"cosine", "plateau", "none"}) EXPECT_EQ(LrSchedule(recipe(s)).current(), 1e-3) << s;
}

TEST(LrSchedule, CosineFollowsTheFormulaAndStaysAtMinAfterT) {
  LrSchedule s(recipe("cosine"));
  const double lr = 1e-3, mn = 1e-6;
  EXPECT_DOUBLE_EQ(s.step(0, kNaN), lr);
  EXPECT_DOUBLE_EQ(s.step(5, 0.5), (lr + mn) / 2);
  EXPECT_DOUBLE_EQ(s.current(), (lr + mn) / 2);
  EXPECT_DOUBLE_EQ(s.step(3, 0.5), mn + (lr - mn) * (1 + std::cos(M_PI * 0.3)) / 2);
  EXPECT_DOUBLE_EQ(s.step(10, 0.5), mn);
  EXPECT_DOUBLE_EQ(s.step(12, 0.5), mn);
  // Monotone non-increasing over the span, whatever the validation AUC.
  double previous = lr;
  for (int e = 0; e <= 12; ++e) {
    const double v = s.step(e, e % 2 ? 0.9 : 0.1);
    EXPECT_LE(v, previous) << e;
    previous = v;
  }
}

TEST(LrSchedule, CosineEpochsOverridesTheRecipeEpochs) {
  TrainRecipe r = recipe("cosine");
  r.cosineEpochs = 4;
  LrSchedule s(r);
  EXPECT_DOUBLE_EQ(s.step(0, kNaN), 1e-3);
  EXPECT_DOUBLE_EQ(s.step(2, kNaN), (1e-3 + 1e-6) / 2);
  EXPECT_DOUBLE_EQ(s.step(4, kNaN), 1e-6);
  EXPECT_DOUBLE_EQ(s.step(7, kNaN), 1e-6);
}

TEST(LrSchedule, PlateauKeepsTheRateWhileImproving) {
  LrSchedule s(recipe("plateau"));
  for (int e = 1; e <= 8; ++e) EXPECT_EQ(s.step(e, 0.5 + 0.05 * e), 1e-3) << e;
}

TEST(LrSchedule, PlateauReducesAfterMoreThanPatienceBadEpochs) {
  LrSchedule s(recipe("plateau"));  // patience 2, factor 0.5
  EXPECT_EQ(s.step(1, 0.70), 1e-3);  // best
  EXPECT_EQ(s.step(2, 0.70), 1e-3);  // equal is not an improvement: 1 bad
  EXPECT_EQ(s.step(3, 0.65), 1e-3);  // 2 bad (= patience): not yet
  EXPECT_EQ(s.step(4, 0.60), 0.5e-3);  // 3 bad > patience: reduced, counter reset
  EXPECT_EQ(s.step(5, 0.60), 0.5e-3);
  EXPECT_EQ(s.step(6, 0.60), 0.5e-3);
  EXPECT_EQ(s.step(7, 0.60), 0.25e-3);  // another 3 bad
  EXPECT_EQ(s.step(8, 0.71), 0.25e-3);  // an improvement never raises the rate
  EXPECT_EQ(s.step(9, 0.70), 0.25e-3);
  EXPECT_EQ(s.step(10, 0.70), 0.25e-3);
  EXPECT_EQ(s.step(11, 0.70), 0.125e-3);
}

TEST(LrSchedule, PlateauImprovementResetsTheBadCount) {
  LrSchedule s(recipe("plateau"));
  s.step(1, 0.60);
  s.step(2, 0.55);
  s.step(3, 0.55);       // 2 bad
  s.step(4, 0.61);       // improvement: reset
  s.step(5, 0.60);
  EXPECT_EQ(s.step(6, 0.60), 1e-3);  // only 2 bad since the best
  EXPECT_EQ(s.step(7, 0.60), 0.5e-3);
}

TEST(LrSchedule, PlateauCountsNaNAsNoImprovement) {
  LrSchedule s(recipe("plateau"));
  EXPECT_EQ(s.step(1, 0.8), 1e-3);
  EXPECT_EQ(s.step(2, kNaN), 1e-3);
  EXPECT_EQ(s.step(3, kNaN), 1e-3);
  EXPECT_EQ(s.step(4, kNaN), 0.5e-3);
  // NaN from the very first epoch (validation with one class) counts too.
  LrSchedule t(recipe("plateau"));
  t.step(1, kNaN);
  t.step(2, kNaN);
  EXPECT_EQ(t.step(3, kNaN), 0.5e-3);
}

TEST(LrSchedule, PlateauStopsAtTheFloor) {
  TrainRecipe r = recipe("plateau");
  r.plateauPatience = 0;
  r.minLr = 4e-4;
  LrSchedule s(r);
  EXPECT_EQ(s.step(1, 0.5), 1e-3);    // the first value is an improvement
  EXPECT_EQ(s.step(2, 0.5), 5e-4);    // 1 bad > 0
  EXPECT_EQ(s.step(3, 0.5), 4e-4);    // 2.5e-4 clamped to min_lr
  EXPECT_EQ(s.step(4, 0.4), 4e-4);
  EXPECT_EQ(s.current(), 4e-4);
}

TEST(LrSchedule, NoneIsConstant) {
  LrSchedule s(recipe("none"));
  for (int e = 0; e < 30; ++e) EXPECT_EQ(s.step(e, e % 3 ? kNaN : 0.1), 1e-3) << e;
}

TEST(LrSchedule, StateRoundTripsExactly) {
  for (const char* kind : {"plateau", "cosine"}) {
    TrainRecipe r = recipe(kind);
    r.plateauFactor = 0.3;
    r.lr = 7.3e-4;  // not a power of two: the rate must survive the text exactly
    LrSchedule a(r);
    const std::vector<double> aucs{0.61, 0.64, 0.63, kNaN, 0.62, 0.60, 0.59, 0.65, 0.64, 0.64, 0.63, 0.62};
    for (int e = 0; e < 6; ++e) a.step(e + 1, aucs[e]);
    LrSchedule b(r);
    b.restore(viaText(a.state()));
    EXPECT_EQ(b.current(), a.current()) << kind;
    for (int e = 6; e < 12; ++e) EXPECT_EQ(b.step(e + 1, aucs[e]), a.step(e + 1, aucs[e])) << kind << " epoch " << e;
    EXPECT_EQ(b.state(), a.state()) << kind;
  }
}

TEST(LrSchedule, StateOfAFreshScheduleRoundTrips) {
  LrSchedule a(recipe("plateau"));
  LrSchedule b(recipe("plateau"));
  b.restore(viaText(a.state()));
  for (int e = 1; e <= 7; ++e) EXPECT_EQ(b.step(e, 0.5), a.step(e, 0.5)) << e;
}

TEST(EarlyStopping, ValLossLowerIsBetter) {
  EarlyStopping es("val_loss", 5, 0.0);
  EXPECT_EQ(es.bestEpoch(), -1);
  EXPECT_TRUE(es.update(0, 1.0));
  EXPECT_TRUE(es.update(1, 0.9));
  EXPECT_FALSE(es.update(2, 0.95));
  EXPECT_FALSE(es.update(3, 0.9));  // equal is not better
  EXPECT_EQ(es.bestEpoch(), 1);
  EXPECT_EQ(es.bestValue(), 0.9);
}

TEST(EarlyStopping, ValAucHigherIsBetter) {
  EarlyStopping es("val_auc", 5, 0.0);
  EXPECT_TRUE(es.update(0, 0.6));
  EXPECT_FALSE(es.update(1, 0.55));
  EXPECT_TRUE(es.update(2, 0.7));
  EXPECT_FALSE(es.update(3, 0.7));
  EXPECT_EQ(es.bestEpoch(), 2);
  EXPECT_EQ(es.bestValue(), 0.7);
}

TEST(EarlyStopping, MinDeltaMustBeExceeded) {
  EarlyStopping loss("val_loss", 5, 0.01);
  EXPECT_TRUE(loss.update(0, 1.0));
  EXPECT_FALSE(loss.update(1, 0.995));  // better, but by less than min_delta
  EXPECT_TRUE(loss.update(2, 0.985));
  EXPECT_EQ(loss.bestEpoch(), 2);
  EarlyStopping auc("val_auc", 5, 0.01);
  EXPECT_TRUE(auc.update(0, 0.70));
  EXPECT_FALSE(auc.update(1, 0.705));
  EXPECT_TRUE(auc.update(2, 0.72));
  EXPECT_EQ(auc.bestValue(), 0.72);
}

TEST(EarlyStopping, NaNIsNeverBest) {
  EarlyStopping es("val_auc", 5, 0.0);
  EXPECT_FALSE(es.update(0, kNaN));
  EXPECT_EQ(es.bestEpoch(), -1);
  EXPECT_TRUE(es.update(1, 0.5));
  EXPECT_FALSE(es.update(2, kNaN));
  EXPECT_FALSE(es.update(3, std::numeric_limits<double>::infinity()));
  EXPECT_EQ(es.bestEpoch(), 1);
  EXPECT_EQ(es.bestValue(), 0.5);
  EarlyStopping loss("val_loss", 5, 0.0);
  EXPECT_FALSE(loss.update(0, kNaN));
  EXPECT_FALSE(loss.update(1, -std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(loss.update(2, 2.0));
}

TEST(EarlyStopping, StopsAfterPatienceNonImprovingUpdates) {
  EarlyStopping es("val_loss", 3, 0.0);
  es.update(0, 1.0);
  es.update(1, 1.1);
  es.update(2, 1.2);
  EXPECT_FALSE(es.shouldStop());
  es.update(3, 0.8);  // improvement resets
  es.update(4, 0.9);
  es.update(5, kNaN);
  EXPECT_FALSE(es.shouldStop());
  es.update(6, 0.85);
  EXPECT_TRUE(es.shouldStop());
  EXPECT_EQ(es.bestEpoch(), 3);
}

TEST(EarlyStopping, NaNFromTheStartCountsTowardsStopping) {
  EarlyStopping es("val_auc", 2, 0.0);
  es.update(0, kNaN);
  EXPECT_FALSE(es.shouldStop());
  es.update(1, kNaN);
  EXPECT_TRUE(es.shouldStop());
  EXPECT_EQ(es.bestEpoch(), -1);
}

TEST(EarlyStopping, StateRoundTripsAndContinuesIdentically) {
  EarlyStopping a("val_loss", 4, 0.001);
  const std::vector<double> losses{0.71, 0.69, 0.6937, 0.70, 0.6899, 0.72, 0.73, 0.74, 0.75};
  for (int e = 0; e < 4; ++e) a.update(e, losses[e]);
  EarlyStopping b("val_loss", 4, 0.001);
  b.restore(viaText(a.state()));
  EXPECT_EQ(b.bestEpoch(), a.bestEpoch());
  EXPECT_EQ(b.bestValue(), a.bestValue());
  EXPECT_EQ(b.shouldStop(), a.shouldStop());
  for (int e = 4; e < 9; ++e) {
    EXPECT_EQ(b.update(e, losses[e]), a.update(e, losses[e])) << e;
    EXPECT_EQ(b.shouldStop(), a.shouldStop()) << e;
  }
  EXPECT_EQ(b.bestEpoch(), 1);
  EXPECT_EQ(b.state(), a.state());
}

TEST(EarlyStopping, NoBestYetStateRoundTrips) {
  for (const char* monitor : {"val_loss", "val_auc"}) {
    EarlyStopping a(monitor, 2, 0.0);
    a.update(0, kNaN);  // one bad epoch, still no best
    const std::string text = a.state().dump();  // must be valid JSON (no Infinity)
    const auto state = nlohmann::json::parse(text);
    EXPECT_TRUE(state.at("best").is_null()) << text;
    EarlyStopping b(monitor, 2, 0.0);
    b.restore(state);
    EXPECT_EQ(b.bestEpoch(), -1);
    EXPECT_EQ(b.bestValue(), a.bestValue()) << monitor;
    EXPECT_TRUE(b.update(1, 0.5)) << monitor;  // any finite value is then the best
    EXPECT_TRUE(a.update(1, 0.5)) << monitor;
    EXPECT_FALSE(b.update(2, kNaN));
    EXPECT_FALSE(b.shouldStop());
    EXPECT_FALSE(b.update(3, kNaN));
    EXPECT_TRUE(b.shouldStop());
  }
}
