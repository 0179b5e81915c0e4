#include "ren/reduce/AblationTables.h"

namespace ren::reduce {

std::vector<ResultTable> ablationTables(const RunResults& run, const Config& config) {
  return {regionArchitectureTable(run, config), strategyTable(run, config),      baselineComparisonTable(run, config),
          regionSetTable(run, config),          radiomicsWinsTable(run, config), fusionComparisonTable(run, config),
          fusionAblationTable(run, config),     costTable(run, config)};
}

}  // namespace ren::reduce
