/** Coupon pools: codes the host uploads, assigned exactly once to approved COUPON rewards. */
package io.loyaltyengine.coupons;
