#pragma once
// Internal: the definitions the NetworkRegistry registers, one per network file.
#include "ren/models/ExpertNetwork.h"

namespace ren::models {

NetworkDefinition cnnNetwork();        // CnnNetwork.cpp
NetworkDefinition vitNetwork();        // VitNetwork.cpp
NetworkDefinition mambaNetwork();      // MambaNetwork.cpp
NetworkDefinition swinUnetrNetwork();  // SwinUnetr.cpp

}  // namespace ren::models
