#include "ren/core/RunLayout.h"

#include "ren/core/Random.h"

namespace ren::layout {

std::uint64_t synthSeed(const Config& c) {
  if (c.synth.seed != 0) return static_cast<std::uint64_t>(c.synth.seed);
  return deriveSeed(static_cast<std::uint64_t>(c.run.seed), "synth");
}

}  // namespace ren::layout
