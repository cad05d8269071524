// Instruction sets and symbols (docs/ARCHITECTURE.md): the same solve
// compiled for two instruction sets in one program runs each translation
// unit's own code. Without the instruction set in the kernel's and the
// solve functions' template arguments both copies had one symbol, the
// linker kept one body, and one of the two reported the other's vector
// width (an ODR violation: packs of 8 float64 in a program built for SSE).
#include <gtest/gtest.h>

#include <string>

std::string kobie_isa_probe_v4();
std::string kobie_isa_probe_v2();

TEST(instruction_sets, each_translation_unit_runs_its_own_solve) {
  const std::string v4 = kobie_isa_probe_v4(), v2 = kobie_isa_probe_v2();
  EXPECT_NE(v4.find("host code for 64-byte vectors with FMA"), std::string::npos) << v4;
  EXPECT_NE(v2.find("host code for 16-byte vectors without FMA"), std::string::npos) << v2;
}
