/** idflow's own face analysis: a LivenessAnalyzer and a FaceMatcher (see MODELS.md). */
package dev.idflow.face;
