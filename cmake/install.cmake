# `cmake --install` and CPack (.deb). Layout under the prefix (what an installed dtsim looks for,
# relative to its own path, so an install works from any directory and at any prefix):
#   bin/dtsim                          the simulator (links no CUDA library)
#   lib/dtsim/libdtsim_cuda.so         the CUDA module, when nvcc was found (kernels/CMakeLists.txt)
#   share/dtsim/scenarios/             shipped scenarios, studies, catalog.json, scenario.schema.json, sweep.schema.json
#   share/dtsim/analysis/plot.py       what `dtsim plot` runs
#   share/doc/dtsim/                   README, LICENSE (also as Debian's copyright), CITATION.cff
# The catalog is also compiled into the binary; the data set of the Fashion-MNIST scenarios is read from
# Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
install(TARGETS dtsim RUNTIME DESTINATION bin COMPONENT runtime)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/ DESTINATION share/dtsim/scenarios COMPONENT runtime)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/analysis/plot.py DESTINATION share/dtsim/analysis COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/CITATION.cff
        DESTINATION share/doc/dtsim COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION share/doc/dtsim RENAME copyright COMPONENT runtime)

# .deb packages: `cpack -G DEB` in the build directory (after building). One package per component:
# dtsim (runtime; Depends computed by dpkg-shlibdeps: libsimgrid3.32, libstdc++6, zlib1g, ...) and,
# when the CUDA module was built, dtsim-cuda (the module; its CUDA libraries come from NVIDIA's
# toolkit, not from Debian, so they are not in Depends: the module's RUNPATH names where they were).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dtsim)
set(CPACK_PACKAGE_VENDOR "the dtsim authors")
set(CPACK_PACKAGE_CONTACT "the dtsim authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "discrete-event simulator of distributed deep-learning training clusters (SimGrid)")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime)
if(TARGET dtsim_cuda)
  list(APPEND CPACK_COMPONENTS_ALL cuda)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME dtsim)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
# `dtsim plot` runs python3 with matplotlib; the Fashion-MNIST scenarios read the packaged data set.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "python3, python3-matplotlib, dataset-fashion-mnist")
set(CPACK_DEBIAN_CUDA_PACKAGE_NAME dtsim-cuda)
set(CPACK_DEBIAN_CUDA_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_CUDA_PACKAGE_DEPENDS "dtsim (= ${PROJECT_VERSION})")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
    "dtsim: GPU nodes, NVLink/NICs/fabrics, collectives, parameter servers, decentralized SGD,\n real numerics (Eigen) or timing-only runs driven by JSON scenarios.")
set(CPACK_COMPONENT_CUDA_DESCRIPTION
    "dtsim's CUDA backend (backend \"cuda\"): needs the CUDA 13 runtime and cuBLAS from NVIDIA's toolkit.")
include(CPack)
