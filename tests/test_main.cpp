// The one main of every kobie_tests_<backend> executable: initialises and
// finalises Kokkos (the library never does; the application does).
//
// --kobie-threads=N sets the host thread count, translated to the option of
// the Kokkos version in use (--kokkos-threads before 3.7, --kokkos-num-threads
// after), so the tests run against a user's newer Kokkos too.
#include <gtest/gtest.h>
#include <Kokkos_Core.hpp>

#include <cstring>
#include <string>
#include <vector>

int main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  // Listing (ctest's test discovery) needs no Kokkos: initialising it there
  // would print Kokkos' environment warnings into the list of test names.
  // (GTEST_FLAG_GET: googletest 1.12 and later, also built on Abseil flags)
#ifdef GTEST_FLAG_GET
  if (GTEST_FLAG_GET(list_tests)) return RUN_ALL_TESTS();
#else
  if (::testing::GTEST_FLAG(list_tests)) return RUN_ALL_TESTS();
#endif
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) {
    const char* prefix = "--kobie-threads=";
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0) {
#if KOKKOS_VERSION >= 30700
      args.push_back(std::string("--kokkos-num-threads=") + (argv[i] + std::strlen(prefix)));
#else
      args.push_back(std::string("--kokkos-threads=") + (argv[i] + std::strlen(prefix)));
#endif
    } else {
      args.emplace_back(argv[i]);
    }
  }
  std::vector<char*> kargv;
  for (auto& a : args) kargv.push_back(a.data());
  int kargc = static_cast<int>(kargv.size());
  Kokkos::initialize(kargc, kargv.data());
  int result = RUN_ALL_TESTS();
  Kokkos::finalize();
  return result;
}
