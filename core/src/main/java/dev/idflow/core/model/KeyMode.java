package dev.idflow.core.model;

/** A test key works in the sandbox (flows get test_flow=true); a live key has a secret and must sign. */
public enum KeyMode {
    TEST, LIVE
}
