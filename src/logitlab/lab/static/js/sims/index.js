// The simulations, in the order of the seed documents.
import linefail from "./linefail.js";
import sigmoid from "./sigmoid.js";
import boundary from "./boundary.js";
import crossentropy from "./crossentropy.js";
import staircase from "./staircase.js";
import train from "./train.js";
import perceptron from "./perceptron.js";
import softmax from "./softmax.js";
import newton from "./newton.js";
import thresholds from "./thresholds.js";
import regularisation from "./regularisation.js";
import features from "./features.js";

export const SIMS = [linefail, sigmoid, boundary, crossentropy, staircase, train, perceptron, softmax, newton, thresholds, regularisation, features];
