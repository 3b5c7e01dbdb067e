/** Single sign-on: recognising a host's signed-in customer as a participant. */
package io.loyaltyengine.sso;
