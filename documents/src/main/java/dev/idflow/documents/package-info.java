/** The document services of idflow: client-card, doc-preview, doc-builder and esign. */
package dev.idflow.documents;
