/* SPDX-License-Identifier: MIT */
/* bluez.h - the generated org.bluez proxies and skeletons, plus g_autoptr for
 * their interface types (gdbus-codegen defines it for the concrete types only). */
#pragma once

#include "bluez-gen.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BluezDevice1, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BluezGattManager1, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BluezLEAdvertisingManager1, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BluezLEAdvertisement1, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BluezGattService1, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BluezGattCharacteristic1, g_object_unref)
