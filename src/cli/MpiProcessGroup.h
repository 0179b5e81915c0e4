#pragma once
#include <memory>

#include "ren/core/ProcessGroup.h"

namespace ren::cli {
/// The MPI world when this process was started by mpirun/srun (MPI is initialised then and
/// finalised when the returned object is destroyed); otherwise ren::singleProcess().
/// Logging of non-zero ranks is reduced to warnings on the console (their logs go to RUN/logs).
std::shared_ptr<ProcessGroup> launchProcessGroup();
}  // namespace ren::cli
