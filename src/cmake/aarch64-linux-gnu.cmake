# CMake toolchain file: cross build for arm64 (Raspberry Pi 3/4/5, 64-bit) on a
# Debian 12 amd64 host with Debian's cross compiler and multiarch arm64 -dev packages
# (.ci/cross-arm64 installs them):
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=src/cmake/aarch64-linux-gnu.cmake
# There is no sysroot: Debian's aarch64-linux-gnu-gcc searches the multiarch
# directories (/usr/include/aarch64-linux-gnu, /usr/lib/aarch64-linux-gnu) itself.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# pkg-config: the arm64 .pc files only, paths used as they are (no sysroot prefix).
# Set here so every configure run (also the ones the build triggers) sees them.
# PTTGW_CROSS_PKG_CONFIG_PATH: more .pc directories first, for arm64 -dev packages that
# cannot be installed beside their amd64 variant and are unpacked elsewhere (on bookworm:
# libwebsockets-dev; .ci/cross-arm64 does that and passes the directory).
# (The environment is the process's: the try_compile projects, which read this file again,
# must compute the same value, so the variable is passed on to them.)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PTTGW_CROSS_PKG_CONFIG_PATH)
set(_pttgw_pc "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
if(PTTGW_CROSS_PKG_CONFIG_PATH)
  set(_pttgw_pc "${PTTGW_CROSS_PKG_CONFIG_PATH}:${_pttgw_pc}")
endif()
set(ENV{PKG_CONFIG_LIBDIR} "${_pttgw_pc}")
unset(ENV{PKG_CONFIG_PATH})
unset(ENV{PKG_CONFIG_SYSROOT_DIR})

# Programs (gdbus-codegen, mosquitto, ...) are the host's; libraries and headers
# are found through pkg-config and the compiler's multiarch search paths.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# ctest runs target executables through qemu-user. With Debian's multiarch libc6:arm64
# installed (every :arm64 -dev package pulls it in) the loader and libc are that one's, so
# no -L: `-L /usr/aarch64-linux-gnu` would take the loader of libc6-arm64-cross, whose
# version may differ from the multiarch libc.so.6 it then loads (bookworm: 2.36-8cross1 vs
# 2.36-9+deb12u14). Without the multiarch libc the cross one is used.
if(EXISTS /lib/ld-linux-aarch64.so.1 OR EXISTS /usr/lib/ld-linux-aarch64.so.1)
  set(_pttgw_emulator "qemu-aarch64")
else()
  set(_pttgw_emulator "qemu-aarch64;-L;/usr/aarch64-linux-gnu")
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR "${_pttgw_emulator}")
