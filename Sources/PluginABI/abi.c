/* SwiftPM needs one source file to build a C target; the contract is the header. */
