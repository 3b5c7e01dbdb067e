/** Validation shared by every feature: text fields, their lengths and characters. */
package io.loyaltyengine.core.validation;
