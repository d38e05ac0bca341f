import Testing

@testable import SwitchboardCore

@Suite struct E164Tests {
    @Test func parse_everyLengthFrom1To15() throws {
        for length in 1...15 {
            let digits = String((0..<length).map { Character(String(($0 % 9) + 1)) })
            let number = try E164("+" + digits)
            #expect(number.description == "+" + digits)
            #expect(number.digitCount == length)
            #expect(try E164(digits) == number, "digits alone read as country code first")
        }
    }

    @Test func parse_sixteenDigits_isTooLong() {
        #expect(throws: E164.ParseError.tooLong(digits: 16)) { try E164("+1234567890123456") }
        #expect(throws: E164.ParseError.tooLong(digits: 20)) { try E164("12345678901234567890") }
    }

    @Test func parse_formattedForms_normalise() throws {
        let expected = try E164("+14155550123")
        for text in [
            "+1 (415) 555-0123", "14155550123", "+14155550123", "%2B14155550123", "%2b14155550123", " +1 415 555 0123 ",
            "+1.415.555.0123", "+1-415-555-0123", "\t+14155550123", "1 (415) 555-0123",
        ] {
            #expect(try E164(text) == expected, "\(text)")
        }
    }

    @Test func parse_leadingZero_isRefused() {
        #expect(throws: E164.ParseError.leadingZero) { try E164("+0123456") }
        #expect(throws: E164.ParseError.leadingZero) { try E164("0123456") }
        #expect(throws: E164.ParseError.leadingZero) { try E164("+0") }
    }

    @Test func parse_doubleZeroPrefix_isRefused() {
        #expect(throws: E164.ParseError.internationalPrefix00) { try E164("0044207946000") }
        #expect(throws: E164.ParseError.leadingZero) { try E164("+0044207946000") }
    }

    @Test func parse_letters_areRefused() {
        #expect(throws: E164.ParseError.letter("F")) { try E164("+1800FLOWERS") }
        #expect(throws: E164.ParseError.letter("a")) { try E164("abc") }
    }

    @Test func parse_extensions_areRefused() {
        for text in ["+14155550123x12", "+14155550123 ext 12", "+14155550123;ext=12", "+14155550123#12", "+14155550123,12", "+1415555 ext. 5"] {
            #expect(throws: E164.ParseError.extensionNotAllowed, "\(text)") { try E164(text) }
        }
    }

    @Test func parse_empty_isRefused() {
        for text in ["", "   ", "+", "()", "+ - ."] {
            #expect(throws: E164.ParseError.empty, "\(text)") { try E164(text) }
        }
    }

    @Test func parse_nonASCIIDigits_areRefused() {
        // Arabic-Indic and full-width digits.
        #expect(throws: E164.ParseError.nonASCIIDigit) { try E164("+١٤١٥٥٥٥٠١٢٣") }
        #expect(throws: E164.ParseError.nonASCIIDigit) { try E164("+１４１５") }
    }

    @Test func parse_otherCharacters_areRefused() throws {
        #expect(throws: E164.ParseError.misplacedPlus) { try E164("1+415") }
        #expect(throws: E164.ParseError.misplacedPlus) { try E164("++1415") }
        #expect(throws: E164.ParseError.unbalancedParentheses) { try E164("+1 (415 5550123") }
        #expect(throws: E164.ParseError.unbalancedParentheses) { try E164("+1 415) 5550123") }
        #expect(throws: E164.ParseError.unbalancedParentheses) { try E164("+1 ((415)) 5550123") }
        #expect(throws: E164.ParseError.malformedPercentEncoding) { try E164("%2A1415") }
        // A national number: no country code, so no country; with one (or a +) it is fine.
        #expect(throws: E164.ParseError.nationalFormat) { try E164("(415) 555-0123") }
        #expect(throws: E164.ParseError.nationalFormat) { try E164(" (415)5550123") }
        #expect(try E164("+(1) 415 555 0123") == (try E164("+14155550123")))
        #expect(try E164("1 (415) 555-0123") == (try E164("+14155550123")))
        #expect(throws: E164.ParseError.malformedPercentEncoding) { try E164("%2") }
        #expect(throws: E164.ParseError.unexpectedCharacter("/")) { try E164("+1/415") }
        #expect(throws: E164.ParseError.unexpectedCharacter("\u{0}")) { try E164("+1\u{0}415") }
    }

    @Test func parse_everyASCIIByteInTheMiddle_isAcceptedOnlyIfASeparator() {
        for byte in UInt8(0)...UInt8(127) {
            let text = "+1415" + String(UnicodeScalar(byte)) + "5550123"
            let accepted = (try? E164(text)) != nil
            let separator = byte == 0x20 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || (byte >= 0x30 && byte <= 0x39)
            // A digit makes 12 digits: still valid.
            #expect(accepted == separator, "byte \(byte)")
        }
    }

    @Test func key_roundTripsAndRefusesOutOfRange() throws {
        let number = try E164("+447946000123")
        #expect(E164(key: number.key) == number)
        #expect(E164(key: 0) == nil)
        #expect(E164(key: E164.maxKey + 1) == nil)
        #expect(E164(key: E164.maxKey)?.description == "+999999999999999")
    }

    @Test func ordering_matchesStringOrder() throws {
        let texts = ["+1", "+14155550123", "+1415", "+44207946000", "+9", "+19", "+2", "+999999999999999", "+100000000000000"]
        let numbers = try texts.map { try E164($0) }
        #expect(numbers.sorted().map(\.description) == texts.sorted())
    }

    @Test func errors_sayWhatToDo() {
        for error: E164.ParseError in [.empty, .tooLong(digits: 16), .leadingZero, .internationalPrefix00, .extensionNotAllowed, .letter("A"), .nonASCIIDigit] {
            #expect(error.description.contains("E.164") || error.description.contains("15"), "\(error)")
        }
    }
}
