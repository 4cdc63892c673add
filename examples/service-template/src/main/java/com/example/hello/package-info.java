/**
 * The service's API, exported so that clients (and, on the module path, the server) can reach it.
 */
@Export
@Version("1.0.0")
package com.example.hello;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
