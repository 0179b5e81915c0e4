#pragma once
// The tables of METHOD.md section 8, built from a loaded run (RunResults.h). Each builder returns a
// complete table, or one whose `missing` names the stage to run.
//   T1 region x architecture test AUC          T5 radiomics vs deep MoE: region-fold wins
//   T2 the strategies x architecture           T6 weighted ensemble vs end-to-end fusion
//   T3 REN vs the whole-lung baselines         T7 fusion regulariser ablation
//   T4 region-set ablation (lungs/lobes/all7)  T8 cost per architecture
#include <vector>

#include "ren/core/Config.h"
#include "ren/reduce/ResultTable.h"
#include "ren/reduce/RunResults.h"

namespace ren::reduce {

ResultTable regionArchitectureTable(const RunResults& run, const Config& config);   // T1
ResultTable strategyTable(const RunResults& run, const Config& config);             // T2
ResultTable baselineComparisonTable(const RunResults& run, const Config& config);   // T3
ResultTable regionSetTable(const RunResults& run, const Config& config);            // T4
ResultTable radiomicsWinsTable(const RunResults& run, const Config& config);        // T5
ResultTable fusionComparisonTable(const RunResults& run, const Config& config);     // T6
ResultTable fusionAblationTable(const RunResults& run, const Config& config);       // T7
ResultTable costTable(const RunResults& run, const Config& config);                 // T8

/// All eight, in order.
std::vector<ResultTable> ablationTables(const RunResults& run, const Config& config);

}  // namespace ren::reduce
