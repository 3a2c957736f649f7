# SANDBOX_SANITIZE=ON (cmake-js compile -D, or CMAKE_BUILD_TYPE=Debug) builds with ASan+UBSan.
option(SANDBOX_SANITIZE "Build with address and undefined-behaviour sanitizers" OFF)
if(SANDBOX_SANITIZE OR CMAKE_BUILD_TYPE STREQUAL "Debug")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
