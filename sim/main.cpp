#include <iostream>

#include "sim/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return dtsim::cli_main(args, std::cout, std::cerr);
}
