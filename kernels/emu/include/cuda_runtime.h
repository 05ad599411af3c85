// Stands in for the CUDA toolkit header of this name: the emulator header cuda_emu.h, which g++ force-includes,
// already defines everything it would declare.
#pragma once
