# install.cmake: the shared library and `make install` (cmake --install):
#
#   bin/ptm
#   include/ptm.h
#   lib/libprofiletometrics.a, lib/libprofiletometrics.so{,.MAJOR,.VERSION}
#   lib/pkgconfig/profiletometrics.pc
#   lib/cmake/profiletometrics/profiletometrics{Config,ConfigVersion}.cmake
#   share/man/man1/ptm.1 (ptm --help and --version, by help2man)
#   share/doc/profiletometrics/{README.md,CHANGELOG.md,LICENSE,THIRD_PARTY_NOTICES}
#   share/doc/profiletometrics/docs/ (the reference the README links to, as a whole)
#
# Included by CMakeLists.txt for native builds, after the static library:
# the shared one is linked from the same partially linked object
# (profiletometrics.o), whose only global symbols are the public ptm_* API,
# so both export exactly that list. Its soname carries the major version.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(shared_name "libprofiletometrics.so")
set(shared_real "${CMAKE_CURRENT_BINARY_DIR}/${shared_name}.${PROJECT_VERSION}")
set(shared_soname "${shared_name}.${PROJECT_VERSION_MAJOR}")
add_custom_command(
  OUTPUT "${shared_real}"
  COMMAND "${CMAKE_C_COMPILER}" -shared -o "${shared_real}" profiletometrics.o
          "-Wl,-soname,${shared_soname}" -Wl,--no-undefined -lm
  COMMAND "${CMAKE_COMMAND}" -E create_symlink "${shared_name}.${PROJECT_VERSION}" "${shared_soname}"
  COMMAND "${CMAKE_COMMAND}" -E create_symlink "${shared_soname}" "${shared_name}"
  DEPENDS "${combined}"
  COMMENT "${shared_name}: the same object, shared")
add_custom_target(profiletometrics_shared ALL DEPENDS "${shared_real}")

set(man_page "${CMAKE_CURRENT_BINARY_DIR}/ptm.1")
add_custom_command(
  OUTPUT "${man_page}"
  COMMAND help2man --no-info --name "convert OpenTelemetry profiles to metrics"
          --output "${man_page}" $<TARGET_FILE:ptm_cli>
  DEPENDS ptm_cli
  COMMENT "ptm.1: the man page, from ptm --help")
add_custom_target(ptm_man ALL DEPENDS "${man_page}")

# The .pc file finds the prefix from where it is (relocatable, like the
# CMake package), so `cmake --install --prefix` and DESTDIR staging work.
file(RELATIVE_PATH pc_to_prefix "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" pc_to_prefix "${pc_to_prefix}")
configure_file(cmake/profiletometrics.pc.in "${CMAKE_CURRENT_BINARY_DIR}/profiletometrics.pc" @ONLY)
configure_package_config_file(cmake/profiletometricsConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/profiletometricsConfig.cmake"
  INSTALL_DESTINATION "${CMAKE_INSTALL_LIBDIR}/cmake/profiletometrics"
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/profiletometricsConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMajorVersion)

install(TARGETS ptm_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(FILES include/ptm.h DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(FILES "${combined}" "${shared_real}" "${CMAKE_CURRENT_BINARY_DIR}/${shared_soname}"
              "${CMAKE_CURRENT_BINARY_DIR}/${shared_name}"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/profiletometrics.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/profiletometricsConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/profiletometricsConfigVersion.cmake"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/cmake/profiletometrics")
install(FILES "${man_page}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
install(FILES README.md CHANGELOG.md LICENSE THIRD_PARTY_NOTICES DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY docs/ DESTINATION "${CMAKE_INSTALL_DOCDIR}/docs")
