# The Debian -dev packages the native side links against, found through pkg-config.
# A missing one stops the build with the package name to install.
find_package(PkgConfig REQUIRED)
set(SANDBOX_NATIVE_LIBS "")
set(SANDBOX_NATIVE_INCLUDES "")
# Modules in SANDBOX_LAZY_MODULES are opened with dlopen where they are used
# (addon/include/sandbox/lazy_lib.h): their headers are used, they are not linked.
set(SANDBOX_LAZY_MODULES "libsystemd" "slirp" "libcrypto" "fuse3")
foreach(pair "libseccomp:libseccomp-dev" "libcap:libcap-dev" "fuse3:libfuse3-dev"
             "slirp:libslirp-dev" "libsystemd:libsystemd-dev"
             "libcrypto:libssl-dev")
  string(REPLACE ":" ";" parts ${pair})
  list(GET parts 0 module)
  list(GET parts 1 debpkg)
  string(TOUPPER ${module} var)
  pkg_check_modules(${var} ${module})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "pkg-config module '${module}' not found: apt-get install ${debpkg}")
  endif()
  if(NOT module IN_LIST SANDBOX_LAZY_MODULES)
    list(APPEND SANDBOX_NATIVE_LIBS ${${var}_LINK_LIBRARIES})
  endif()
  list(APPEND SANDBOX_NATIVE_INCLUDES ${${var}_INCLUDE_DIRS})
endforeach()
list(APPEND SANDBOX_NATIVE_LIBS ${CMAKE_DL_LIBS})
