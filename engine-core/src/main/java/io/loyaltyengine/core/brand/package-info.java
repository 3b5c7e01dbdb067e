/** Brands: websites, known by their normalized domain, that own campaigns. */
package io.loyaltyengine.core.brand;
