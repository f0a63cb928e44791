#include <iostream>

#include "sim/app/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return dtsim::cli_main(args, std::cout, std::cerr);
}
