// Every scenario shipped in scenarios/ validates and runs (shortened to 2 iterations).
#include <doctest/doctest.h>

#include <filesystem>

#include "tests/support/test_support.h"

TEST_CASE("core: every shipped scenario validates and runs") {
  const std::string dir = dtsim::test::make_temp_dir();
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(DTSIM_SOURCE_DIR) + "/scenarios")) {
    const std::string path = entry.path().string();
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name == "catalog.json" ||
        (name.size() > 12 && name.compare(name.size() - 12, 12, ".schema.json") == 0))
      continue;
    INFO(path);
    auto v = dtsim::test::run_dtsim({"validate", path});
    CHECK_MESSAGE(v.exit_code == 0, v.err);
    // Shortened: two iterations, or a sliver of an epoch for scenarios that count epochs (0.05: 12
    // iterations of 8 x 32, more than local_sgd.json's averaging interval of 8).
    const auto document = nlohmann::json::parse(dtsim::test::read_file(path));
    const bool by_epochs = document.contains("run") && document["run"].contains("epochs");
    std::vector<std::string> args = {"run", path, "--out", dir + "/" + name, "--set",
                                     by_epochs ? "/run/epochs=0.05" : "/run/iterations=2", "--set",
                                     "/run/warmup_iterations=1"};
    // Scheduled failures move into the shortened run (one after the run's end is an error).
    if (document.contains("failures") && document["failures"].contains("events"))
      for (std::size_t i = 0; i < document["failures"]["events"].size(); ++i)
        args.insert(args.end(), {"--set", "/failures/events/" + std::to_string(i) + "/at=" + std::to_string(i + 1) + "ms"});
    auto r = dtsim::test::run_dtsim(args);
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(dtsim::test::file_exists(dir + "/" + name + "/summary.json"));
    ++count;
  }
  CHECK(count >= 3);
}
