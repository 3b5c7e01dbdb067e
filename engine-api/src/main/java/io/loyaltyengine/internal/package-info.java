/**
 * Not API: public only so that {@code engine-core} can provide the engine implementation, and the API's settings
 * classes share their bound checks. May change in any release; hosts must not use it.
 */
package io.loyaltyengine.internal;
