#pragma once
// Thread-count resolution and a static parallel-for. Work items must be independent: results never
// depend on the number of threads (each item writes only its own outputs).
#include <cstddef>
#include <functional>

namespace ren {

/// The thread count to use: `configured` when > 0, else the allocation (SLURM_CPUS_PER_TASK,
/// then OMP_NUM_THREADS), else the hardware concurrency. Always >= 1.
int resolveThreadCount(int configured);

/// Calls body(i) for i in [0, n) on up to `threads` threads (dynamic chunks of one item).
/// The first exception thrown by any item is rethrown after all threads finish.
void parallelFor(std::size_t n, int threads, const std::function<void(std::size_t)>& body);

}  // namespace ren
